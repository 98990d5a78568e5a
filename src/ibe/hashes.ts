/**
 * The Fujisaki-Okamoto hash functions of kyber's `encrypt/ibe`, byte for byte:
 * H2 hashes a pairing result, H3 derives the encryption scalar r from sigma and
 * the message, H4 masks the message with sigma. The labels and the GT byte order
 * are what make a dirgate ciphertext readable by tlock and the other way round.
 */
import { createHash } from 'node:crypto';

const H2_TAG = Buffer.from('IBE-H2');
const H3_TAG = Buffer.from('IBE-H3');
const H4_TAG = Buffer.from('IBE-H4');

/** Order of the BLS12-381 scalar field (r in the curve's papers, Fr here). */
export const FR_ORDER = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

/** H2: SHA-256("IBE-H2" || GT bytes), cut to the message length. `gt` is in kyber's order (see gt-bytes). */
export function h2(gt: Uint8Array, length: number): Uint8Array {
  return createHash('sha256').update(H2_TAG).update(gt).digest().subarray(0, length);
}

/**
 * H3: r from sigma and the message, by rejection sampling as kyber does it:
 * h = SHA-256("IBE-H3" || sigma || msg), then SHA-256(uint16le(i) || h) for
 * i = 1, 2, ... with the top bit cleared until the value is below the order.
 */
export function h3(sigma: Uint8Array, msg: Uint8Array): bigint {
  const base = createHash('sha256').update(H3_TAG).update(sigma).update(msg).digest();
  const counter = Buffer.alloc(2);
  for (let i = 1; i < 65535; i++) {
    counter.writeUInt16LE(i);
    const candidate = createHash('sha256').update(counter).update(base).digest();
    // BLS12-381's Fr is 255 bits in a 256-bit buffer: one bit to mask.
    candidate[0] = candidate[0]! >> 1;
    const n = BigInt(`0x${candidate.toString('hex')}`);
    if (n < FR_ORDER) return n;
  }
  throw new Error('H3 rejection sampling failed');
}

/** H4: SHA-256("IBE-H4" || sigma), cut to the message length. */
export function h4(sigma: Uint8Array, length: number): Uint8Array {
  return createHash('sha256').update(H4_TAG).update(sigma).digest().subarray(0, length);
}

export function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length) throw new Error('xor of unequal lengths');
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** Big-endian bytes to a bigint. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

/** A bigint to `length` big-endian bytes. */
export function bigIntToBytes(n: bigint, length: number): Uint8Array {
  const hex = n.toString(16).padStart(length * 2, '0');
  if (hex.length > length * 2) throw new Error('number too large');
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}
