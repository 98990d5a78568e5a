/**
 * The group operations IBE needs, behind one interface so that a faster
 * pairing library can replace @noble/curves without touching the scheme.
 * Every backend must give byte-identical results on the same inputs
 * (test/unit/ibe/backends-agree.test.ts holds them to that). Points cross this
 * interface as compressed bytes (ZCash/IETF encoding) and GT elements as bytes
 * in kyber's order, so the scheme code never sees a library's own types.
 */
import type { LRUCache } from 'lru-cache';

export type BackendName = 'noble' | 'mcl';
export const BACKEND_NAMES: readonly BackendName[] = ['noble', 'mcl'];

export interface PairingBackend {
  readonly name: BackendName;
  /** s*G2, compressed (96 bytes). */
  masterPublicKey(secret: bigint): Uint8Array;
  /** s*H1(identity), compressed (48 bytes). */
  extract(secret: bigint, identity: Uint8Array, dst: string): Uint8Array;
  /** r*G2, compressed (96 bytes). */
  mulG2Base(r: bigint): Uint8Array;
  /**
   * e(r*H1(identity), mpk) as kyber serialises GT. Multiplying the G1 point by r
   * costs a fraction of raising the pairing to r, and mpk's Miller-loop lines
   * are computed once per master key. Throws on an invalid mpk.
   */
  pairIdentity(mpk: Uint8Array, identity: Uint8Array, dst: string, r: bigint): Uint8Array;
  /** e(key, U) as kyber serialises GT. Throws when key or U is not a canonical subgroup point. */
  pairKey(key: Uint8Array, U: Uint8Array): Uint8Array;
  /** e(key, G2) == e(H1(identity), mpk): the key is a BLS signature on the identity. */
  verifyIdentityKey(mpk: Uint8Array, identity: Uint8Array, key: Uint8Array, dst: string): boolean;
  /** Throws unless the bytes are a canonical, non-zero point of G2's prime-order subgroup. */
  checkMasterPublicKey(mpk: Uint8Array): void;
  /** Throws unless the bytes are a canonical, non-zero point of G1's prime-order subgroup. */
  checkIdentityKey(key: Uint8Array): void;
}

/** Cache key for a per-identity value: the DST matters as much as the identity. */
export function identityCacheKey(identity: Uint8Array, dst: string): string {
  return `${dst}\u0000${Buffer.from(identity).toString('base64')}`;
}

/** The cached value for `key`, made (and kept) on a miss: points, hashes and pairing lines cost a decompression or more. */
export function cachedBy<T extends {}>(cache: LRUCache<string, T>, key: string, make: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    cache.set(key, value);
  }
  return value;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}
