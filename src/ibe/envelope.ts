/**
 * Hybrid payload encryption as the gateway and its clients use it: a random
 * 32-byte content key per session, wrapped once by IBE to the receiver's
 * identity, and each message sealed under it with AES-256-GCM, all carried in
 * one XML Encryption element (xml-encryption.ts). The receiver unwraps the key
 * on the first message only (ContentKeyCache) and refuses replays (ReplayGuard).
 */
import { randomBytes } from 'node:crypto';
import { DirgateError } from '../errors.js';
import { openPayload, sealedIv, sealPayload } from './aes-gcm.js';
import { CIPHERTEXT_BYTES, CONTENT_KEY_BYTES, DIRGATE_IBE_DST } from './constants.js';
import { encodeCiphertext, type Ibe } from './ibe.js';
import type { ContentKeyCache, ReplayGuard } from './session-keys.js';
import { buildEncryptedData, parseEncryptedData, type EncryptedDataParts } from './xml-encryption.js';

/** The two IBE operations payloads need; an IbePool has them, and inlineIbe() adapts an Ibe. */
export interface IbeOperations {
  /** Resolves to the encoded ciphertext U || V || W. */
  encrypt(masterPublicKey: Uint8Array, identity: string, msg: Uint8Array, dst?: string): Promise<Uint8Array>;
  decrypt(identityKey: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array>;
}

/** Runs IBE on the calling thread (clients, tests; servers use the worker pool). */
export function inlineIbe(ibe: Ibe): IbeOperations {
  return {
    encrypt: async (mpk, identity, msg, dst = DIRGATE_IBE_DST) => encodeCiphertext(ibe.encrypt(mpk, identity, msg, dst)),
    decrypt: async (key, ciphertext) => ibe.decrypt(key, ciphertext),
  };
}

/** A session's content key with its IBE wrapping: what rides on every message of the session. */
export interface WrappedContentKey {
  identity: string;
  contentKey: Buffer;
  /** U || V || W: the EncryptedKey's CipherValue. */
  encryptedKey: Buffer;
}

/** Draws a fresh content key and wraps it to `identity` (one pairing). */
export async function wrapContentKey(ibe: IbeOperations, masterPublicKey: Uint8Array, identity: string): Promise<WrappedContentKey> {
  const contentKey = randomBytes(CONTENT_KEY_BYTES);
  const encryptedKey = Buffer.from(await ibe.encrypt(masterPublicKey, identity, contentKey));
  return { identity, contentKey, encryptedKey };
}

/** One message: sealed under the session's content key with a fresh IV, as an EncryptedData element. */
export function encryptPayload(key: WrappedContentKey, plaintext: Uint8Array | string): string {
  const bytes = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  return buildEncryptedData({ identity: key.identity, encryptedKey: key.encryptedKey, sealed: sealPayload(key.contentKey, bytes) });
}

export interface DecryptPayloadOptions {
  /** Who presents the message (a session id): an EncryptedKey is bound to the first scope that used it. */
  scope: string;
  cache: ContentKeyCache;
  /** Unwraps the content key with the receiver's identity key; called once per EncryptedKey. */
  unwrap: (encryptedKey: Uint8Array, identity: string) => Promise<Uint8Array>;
  /** The identity the message must be encrypted to; anything else is refused before any pairing. */
  expectIdentity?: string;
  replay?: ReplayGuard;
}

function refused(reason: string, cause?: unknown): DirgateError {
  return new DirgateError('ERR_DECRYPTION_FAILED', 'the payload could not be decrypted', { reason, cause });
}

/**
 * The plaintext of one encrypted message (the EncryptedData element's text or
 * its parsed parts). Every failure of the cryptography (wrong identity, wrong
 * key, tampering, a replay, another session's key) is ERR_DECRYPTION_FAILED
 * with a reason for the log and nothing of the plaintext.
 */
export async function decryptPayload(message: string | EncryptedDataParts, options: DecryptPayloadOptions): Promise<Buffer> {
  const parts = typeof message === 'string' ? parseEncryptedData(message) : message;
  if (options.expectIdentity !== undefined && parts.identity !== options.expectIdentity) throw refused('payload-identity-mismatch');
  if (parts.encryptedKey.length !== CIPHERTEXT_BYTES) throw refused('encrypted-key-length');
  const iv = sealedIv(parts.sealed);
  let contentKey: Uint8Array;
  try {
    contentKey = await options.cache.get(options.scope, parts.encryptedKey, () => options.unwrap(parts.encryptedKey, parts.identity));
  } catch (err) {
    if (err instanceof DirgateError && err.code === 'ERR_DECRYPTION_FAILED') throw err;
    throw refused('content-key-unwrap-failed', err);
  }
  if (contentKey.length !== CONTENT_KEY_BYTES) throw refused('content-key-length');
  const plaintext = openPayload(contentKey, parts.sealed);
  options.replay?.check(parts.encryptedKey, iv);
  return plaintext;
}
