/**
 * Sealing small secrets kept in the profile (the session's current token, so
 * that another app sharing the session or another replica can hand it out;
 * recovery codes until enrolment is verified): AES-256-GCM under a key derived
 * with HKDF-SHA256 from a configured secret and a label, so a reader of the
 * LDAP entries alone holds nothing usable.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { DirgateError } from '../errors.js';

export class Sealer {
  readonly #key: Buffer;

  constructor(secret: string, label: string) {
    if (!secret) throw new DirgateError('ERR_CONFIG_INVALID', 'the sealing secret is empty');
    this.#key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), `dirgate-seal-v1:${label}`, 32));
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  open(sealed: string): string {
    try {
      const bytes = Buffer.from(sealed, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, 12));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString('utf8');
    } catch (err) {
      throw new DirgateError('ERR_INTERNAL', 'a sealed value in the profile cannot be opened (was the secret changed?)', { cause: err, reason: 'unseal-failed' });
    }
  }
}
