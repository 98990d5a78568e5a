/**
 * Application secrets: argon2 verification of X-Dirgate-App-Secret against the
 * registry's argon2id hash, with successes remembered for a short time under an
 * HMAC of (app, hash, secret) keyed by a per-process random key, so the cache
 * holds no secret and argon2 stays off the hot path. Failures are never cached
 * (a wrong secret always costs the caller a full verification, and the rate
 * limits bound how often).
 */
import { createHmac, randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { LRUCache } from 'lru-cache';

export class AppSecretVerifier {
  private readonly cacheKey = randomBytes(32);
  private readonly verified: LRUCache<string, true> | undefined;

  constructor(cacheSeconds: number) {
    this.verified = cacheSeconds > 0 ? new LRUCache({ max: 10_000, ttl: cacheSeconds * 1000 }) : undefined;
  }

  async verify(appId: string, secretHash: string, presented: string | undefined): Promise<boolean> {
    if (!presented) return false;
    const key = createHmac('sha256', this.cacheKey).update(`${appId}\0${secretHash}\0${presented}`).digest('base64url');
    if (this.verified?.has(key)) return true;
    let ok = false;
    try {
      ok = await argon2.verify(secretHash, presented);
    } catch {
      // A hash argon2 cannot read verifies nothing.
      ok = false;
    }
    if (ok) this.verified?.set(key, true);
    return ok;
  }
}
