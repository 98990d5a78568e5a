/**
 * The reference backend: @noble/curves, pure JavaScript and audited. A pairing
 * costs 15-26 ms here, so the work per operation is kept to the minimum:
 * the master key's and the generator's Miller-loop lines are computed once,
 * identities' hash-to-curve points are cached, and the encryption pairing is
 * e(r*Q_id, P_pub) rather than e(Q_id, P_pub)^r.
 */
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { LRUCache } from 'lru-cache';
import type { WeierstrassPoint } from '@noble/curves/abstract/weierstrass.js';
import { cachedBy, identityCacheKey, sameBytes, type PairingBackend } from './backend.js';

type Fp12 = ReturnType<typeof bls12_381.fields.Fp12.create>;
type G1 = WeierstrassPoint<bigint>;
type G2 = WeierstrassPoint<ReturnType<typeof bls12_381.fields.Fp2.create>>;
type LinePrecomputes = ReturnType<typeof bls12_381.utils.calcPairingPrecomputes>;

const { G1: G1Curve, G2: G2Curve, fields } = bls12_381;
const { Fp12 } = fields;
const FP_BYTES = 48;

// millerLoopBatch takes the final-exponentiation flag although its published type omits it.
const millerLoop = bls12_381.millerLoopBatch as unknown as (
  pairs: [LinePrecomputes, bigint, bigint][], withFinalExponent: boolean) => Fp12;

/**
 * GT as kyber marshals it: the twelve base-field coefficients from the highest
 * to the lowest (Fp12.c1 before c0, Fp6 c2..c0, Fp2 c1 before c0), 48 bytes
 * big-endian each. noble's own toBytes uses the opposite order.
 */
export function nobleGtToKyberBytes(gt: Fp12): Uint8Array {
  const out = new Uint8Array(12 * FP_BYTES);
  let offset = 0;
  for (const fp6 of [gt.c1, gt.c0]) {
    for (const fp2 of [fp6.c2, fp6.c1, fp6.c0]) {
      for (const fp of [fp2.c1, fp2.c0]) {
        out.set(Buffer.from(fp.toString(16).padStart(2 * FP_BYTES, '0'), 'hex'), offset);
        offset += FP_BYTES;
      }
    }
  }
  return out;
}

function g1FromBytes(bytes: Uint8Array): G1 {
  const point = G1Curve.Point.fromBytes(bytes);
  if (point.is0() || !sameBytes(point.toBytes(true), bytes)) throw new Error('not a canonical G1 point');
  return point;
}

function g2FromBytes(bytes: Uint8Array): G2 {
  const point = G2Curve.Point.fromBytes(bytes) as G2;
  if (point.is0() || !sameBytes(point.toBytes(true), bytes)) throw new Error('not a canonical G2 point');
  return point;
}

interface PreparedMasterKey { lines: LinePrecomputes; negatedLines: LinePrecomputes }

export function createNobleBackend(): PairingBackend {
  const generatorLines = bls12_381.utils.calcPairingPrecomputes(G2Curve.Point.BASE as G2);
  // Encryption multiplies G2's generator by a fresh r each time: a wider table pays for itself.
  (G2Curve.Point.BASE as G2).precompute(8, false);
  const hashed = new LRUCache<string, G1>({ max: 1024 });
  const masterKeys = new LRUCache<string, PreparedMasterKey>({ max: 16 });
  const identityKeys = new LRUCache<string, G1>({ max: 4096 });

  function hashToG1(identity: Uint8Array, dst: string): G1 {
    return cachedBy(hashed, identityCacheKey(identity, dst), () => G1Curve.hashToCurve(identity, { DST: dst }) as unknown as G1);
  }

  function masterKey(mpk: Uint8Array): PreparedMasterKey {
    return cachedBy(masterKeys, Buffer.from(mpk).toString('base64'), () => {
      const point = g2FromBytes(mpk);
      return {
        lines: bls12_381.utils.calcPairingPrecomputes(point),
        negatedLines: bls12_381.utils.calcPairingPrecomputes(point.negate()),
      };
    });
  }

  function identityKey(bytes: Uint8Array): G1 {
    return cachedBy(identityKeys, Buffer.from(bytes).toString('base64'), () => g1FromBytes(bytes));
  }

  return {
    name: 'noble',
    masterPublicKey: (secret) => G2Curve.Point.BASE.multiply(secret).toBytes(true),
    extract: (secret, identity, dst) => hashToG1(identity, dst).multiply(secret).toBytes(true),
    mulG2Base: (r) => G2Curve.Point.BASE.multiply(r).toBytes(true),
    pairIdentity(mpk, identity, dst, r) {
      const { lines } = masterKey(mpk);
      const { x, y } = hashToG1(identity, dst).multiply(r).toAffine();
      return nobleGtToKyberBytes(millerLoop([[lines, x, y]], true));
    },
    pairKey(key, U) {
      const { x, y } = identityKey(key).toAffine();
      const lines = bls12_381.utils.calcPairingPrecomputes(g2FromBytes(U));
      return nobleGtToKyberBytes(millerLoop([[lines, x, y]], true));
    },
    verifyIdentityKey(mpk, identity, key, dst) {
      const { negatedLines } = masterKey(mpk);
      const signature = identityKey(key).toAffine();
      const message = hashToG1(identity, dst).toAffine();
      // e(key, G2) * e(H1(id), -mpk) == 1, in one Miller loop and one final exponentiation.
      const product = millerLoop([[generatorLines, signature.x, signature.y], [negatedLines, message.x, message.y]], true);
      return Fp12.eql(product, Fp12.ONE);
    },
    checkMasterPublicKey: (mpk) => void masterKey(mpk),
    checkIdentityKey: (key) => void identityKey(key),
  };
}
