/**
 * Boneh-Franklin FullIdent (the Fujisaki-Okamoto CCA transform) on BLS12-381,
 * laid out as drand's kyber `encrypt/ibe` (EncryptCCAonG2): the master public
 * key is in G2, identities hash to G1, U = r*G2, V = sigma xor H2(e(r*Q_id, P_pub)),
 * W = msg xor H4(sigma), and r = H3(sigma, msg) so the receiver can re-derive U
 * and refuse anything that was tampered with.
 *
 * The scheme is written once here; the group arithmetic comes from a
 * PairingBackend, chosen when the Ibe object is made.
 */
import { randomBytes } from 'node:crypto';
import { DirgateError } from '../errors.js';
import type { BackendName, PairingBackend } from './backend.js';
import { createNobleBackend } from './backend-noble.js';
import {
  DIRGATE_IBE_DST, IDENTITY_KEY_BYTES, MASTER_PUBLIC_KEY_BYTES, MASTER_SECRET_BYTES, MAX_IBE_MESSAGE_BYTES,
} from './constants.js';
import { bigIntToBytes, bytesToBigInt, FR_ORDER, h2, h3, h4, xor } from './hashes.js';

export interface Ciphertext {
  /** r*G2, compressed (96 bytes). */
  U: Uint8Array;
  /** sigma xor H2(...), as long as the message. */
  V: Uint8Array;
  /** message xor H4(sigma). */
  W: Uint8Array;
}

export interface MasterKeyPair {
  /** The scalar s, 32 bytes big-endian. */
  masterSecret: Uint8Array;
  /** s*G2, 96 bytes compressed. */
  masterPublicKey: Uint8Array;
}

export interface EncryptOptions {
  /** Fixes sigma (the FO randomness): known-answer tests only. */
  sigma?: Uint8Array;
}

const encoder = new TextEncoder();

export function identityBytes(identity: string | Uint8Array): Uint8Array {
  return typeof identity === 'string' ? encoder.encode(identity) : identity;
}

function decryptionFailed(reason: string, cause?: unknown): DirgateError {
  // One message for every cause: which check failed is for the log (reason), not the caller.
  return new DirgateError('ERR_DECRYPTION_FAILED', 'the IBE ciphertext could not be decrypted', { reason, cause });
}

/** U || V || W, as tlock and kyber lay a ciphertext out. */
export function encodeCiphertext(c: Ciphertext): Uint8Array {
  const out = new Uint8Array(c.U.length + c.V.length + c.W.length);
  out.set(c.U, 0);
  out.set(c.V, c.U.length);
  out.set(c.W, c.U.length + c.V.length);
  return out;
}

/** The inverse of encodeCiphertext; the message length follows from the total length. */
export function decodeCiphertext(bytes: Uint8Array): Ciphertext {
  const rest = bytes.length - MASTER_PUBLIC_KEY_BYTES;
  if (rest <= 0 || rest % 2 !== 0 || rest / 2 > MAX_IBE_MESSAGE_BYTES) throw decryptionFailed('ibe-ciphertext-length');
  const n = rest / 2;
  return {
    U: bytes.subarray(0, MASTER_PUBLIC_KEY_BYTES),
    V: bytes.subarray(MASTER_PUBLIC_KEY_BYTES, MASTER_PUBLIC_KEY_BYTES + n),
    W: bytes.subarray(MASTER_PUBLIC_KEY_BYTES + n),
  };
}

function masterScalar(masterSecret: Uint8Array): bigint {
  if (masterSecret.length !== MASTER_SECRET_BYTES) throw new DirgateError('ERR_INTERNAL', 'the IBE master secret must be 32 bytes', { reason: 'ibe-master-secret-invalid' });
  const s = bytesToBigInt(masterSecret);
  if (s === 0n || s >= FR_ORDER) throw new DirgateError('ERR_INTERNAL', 'the IBE master secret is not a valid scalar', { reason: 'ibe-master-secret-invalid' });
  return s;
}

export class Ibe {
  constructor(readonly backend: PairingBackend) {}

  /** A fresh master secret (uniform in [1, r)) and its public key. */
  setup(): MasterKeyPair {
    // 48 random bytes reduced modulo r-1 keep the bias below 2^-128.
    const s = (bytesToBigInt(randomBytes(48)) % (FR_ORDER - 1n)) + 1n;
    const masterSecret = bigIntToBytes(s, MASTER_SECRET_BYTES);
    return { masterSecret, masterPublicKey: this.backend.masterPublicKey(s) };
  }

  masterPublicKey(masterSecret: Uint8Array): Uint8Array {
    return this.backend.masterPublicKey(masterScalar(masterSecret));
  }

  /** The identity's private key s*H1(identity): 48 bytes, a BLS signature on the identity. */
  extract(masterSecret: Uint8Array, identity: string | Uint8Array, dst: string = DIRGATE_IBE_DST): Uint8Array {
    return this.backend.extract(masterScalar(masterSecret), identityBytes(identity), dst);
  }

  encrypt(
    masterPublicKey: Uint8Array, identity: string | Uint8Array, msg: Uint8Array,
    dst: string = DIRGATE_IBE_DST, options: EncryptOptions = {},
  ): Ciphertext {
    if (msg.length === 0 || msg.length > MAX_IBE_MESSAGE_BYTES) {
      throw new DirgateError('ERR_INTERNAL', `an IBE message is 1 to ${MAX_IBE_MESSAGE_BYTES} bytes`, { reason: 'ibe-message-length' });
    }
    if (masterPublicKey.length !== MASTER_PUBLIC_KEY_BYTES) {
      throw new DirgateError('ERR_INTERNAL', 'the IBE master public key must be 96 bytes', { reason: 'ibe-master-public-key-invalid' });
    }
    const sigma = options.sigma ?? randomBytes(msg.length);
    if (sigma.length !== msg.length) throw new DirgateError('ERR_INTERNAL', 'sigma must be as long as the message', { reason: 'ibe-sigma-length' });
    const r = h3(sigma, msg);
    if (r === 0n) throw new DirgateError('ERR_INTERNAL', 'H3 gave a zero scalar', { reason: 'ibe-zero-scalar' });
    let gt: Uint8Array;
    try {
      gt = this.backend.pairIdentity(masterPublicKey, identityBytes(identity), dst, r);
    } catch (err) {
      throw new DirgateError('ERR_INTERNAL', 'the IBE master public key is not a valid G2 point', { reason: 'ibe-master-public-key-invalid', cause: err });
    }
    return {
      U: this.backend.mulG2Base(r),
      V: xor(sigma, h2(gt, msg.length)),
      W: xor(msg, h4(sigma, msg.length)),
    };
  }

  /**
   * Recovers the message, or throws ERR_DECRYPTION_FAILED: for a wrong key, a
   * ciphertext for another identity and any tampering alike (the FO check
   * r*G2 == U fails). Decryption does not depend on the DST.
   */
  decrypt(identityKey: Uint8Array, ciphertext: Ciphertext | Uint8Array): Uint8Array {
    const c = ciphertext instanceof Uint8Array ? decodeCiphertext(ciphertext) : ciphertext;
    if (identityKey.length !== IDENTITY_KEY_BYTES) throw decryptionFailed('ibe-identity-key-invalid');
    if (c.U.length !== MASTER_PUBLIC_KEY_BYTES || c.V.length !== c.W.length || c.W.length === 0 || c.W.length > MAX_IBE_MESSAGE_BYTES) {
      throw decryptionFailed('ibe-ciphertext-length');
    }
    let gt: Uint8Array;
    try {
      gt = this.backend.pairKey(identityKey, c.U);
    } catch (err) {
      throw decryptionFailed('ibe-point-invalid', err);
    }
    const sigma = xor(c.V, h2(gt, c.W.length));
    const msg = xor(c.W, h4(sigma, c.W.length));
    const r = h3(sigma, msg);
    // Encodings are canonical (the backends refuse any other), so equal points have equal bytes.
    if (r === 0n || !Buffer.from(this.backend.mulG2Base(r)).equals(c.U)) throw decryptionFailed('ibe-fo-check-failed');
    return msg;
  }

  /** True when `key` is s*H1(identity) for the s behind `masterPublicKey`. */
  verifyIdentityKey(masterPublicKey: Uint8Array, identity: string | Uint8Array, key: Uint8Array, dst: string = DIRGATE_IBE_DST): boolean {
    if (key.length !== IDENTITY_KEY_BYTES || masterPublicKey.length !== MASTER_PUBLIC_KEY_BYTES) return false;
    try {
      return this.backend.verifyIdentityKey(masterPublicKey, identityBytes(identity), key, dst);
    } catch {
      return false;
    }
  }
}

const loaded = new Map<BackendName, Promise<Ibe>>();

/** The Ibe for a backend, made once per process (mcl loads WebAssembly first). */
export function loadIbe(name: BackendName = 'noble'): Promise<Ibe> {
  let ibe = loaded.get(name);
  if (!ibe) {
    ibe = name === 'noble'
      ? Promise.resolve(new Ibe(createNobleBackend()))
      : import('./backend-mcl.js').then(async (m) => new Ibe(await m.createMclBackend()));
    loaded.set(name, ibe);
    ibe.catch(() => loaded.delete(name));
  }
  return ibe;
}
