/**
 * Payload sealing: AES-256-GCM with a fresh random 12-byte IV per message,
 * laid out IV || ciphertext || tag (XML Encryption 1.1's aes256-gcm CipherValue).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DirgateError } from '../errors.js';
import { CONTENT_KEY_BYTES } from './constants.js';

export const GCM_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;

function checkKey(key: Uint8Array): void {
  if (key.length !== CONTENT_KEY_BYTES) throw new DirgateError('ERR_INTERNAL', 'a content key is 32 bytes', { reason: 'content-key-invalid' });
}

export function sealPayload(contentKey: Uint8Array, plaintext: Uint8Array, iv: Uint8Array = randomBytes(GCM_IV_BYTES)): Buffer {
  checkKey(contentKey);
  const cipher = createCipheriv('aes-256-gcm', contentKey, iv, { authTagLength: GCM_TAG_BYTES });
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

/** The IV of a sealed payload (what the replay guard remembers). */
export function sealedIv(sealed: Uint8Array): Buffer {
  if (sealed.length < GCM_IV_BYTES + GCM_TAG_BYTES) {
    throw new DirgateError('ERR_DECRYPTION_FAILED', 'the payload could not be decrypted', { reason: 'payload-too-short' });
  }
  return Buffer.from(sealed.subarray(0, GCM_IV_BYTES));
}

/** Opens a sealed payload; any tampering or a wrong key gives ERR_DECRYPTION_FAILED and no plaintext at all. */
export function openPayload(contentKey: Uint8Array, sealed: Uint8Array): Buffer {
  checkKey(contentKey);
  const iv = sealedIv(sealed);
  const decipher = createDecipheriv('aes-256-gcm', contentKey, iv, { authTagLength: GCM_TAG_BYTES });
  decipher.setAuthTag(sealed.subarray(sealed.length - GCM_TAG_BYTES));
  try {
    // update() output is released only after final() has checked the tag.
    const body = decipher.update(sealed.subarray(GCM_IV_BYTES, sealed.length - GCM_TAG_BYTES));
    return Buffer.concat([body, decipher.final()]);
  } catch (err) {
    throw new DirgateError('ERR_DECRYPTION_FAILED', 'the payload could not be decrypted', { reason: 'payload-authentication-failed', cause: err });
  }
}
