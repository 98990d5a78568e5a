/**
 * The gateway's own IBE identity: what clients encrypt requests to
 * (`gatewayIdentity` in discovery). Every gateway process derives the same
 * identity for a period from the deployment secret, so a request encrypted
 * after discovery on one process is read by any other:
 *
 *   dirgate:v1:dirgate-gateway:gateway-<period>:<HMAC(secret, period)>:<end of the next period>
 *
 * Rotation is by expiry: a new identity each period, each valid for two, so
 * an identity handed out at any moment stays usable for at least one full
 * period; the key server refuses it afterwards. Its key is extracted from the
 * key server on first use and kept until the identity expires.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { DirgateError } from '../../errors.js';
import { buildIdentity, identityExpired, parseIdentity } from '../../ibe/identity.js';

export const GATEWAY_IDENTITY_APP = 'dirgate-gateway';
export const DEFAULT_IDENTITY_PERIOD_SECONDS = 86_400;

export interface GatewayIdentityOptions {
  /** A secret every gateway process of the deployment shares. */
  secret: string;
  periodSeconds?: number;
  clock?: () => number;
  /** The key server: base64 of the identity's 48-byte key. */
  extract(identity: string, expiresAt: number): Promise<string>;
}

function refused(reason: string): DirgateError {
  return new DirgateError('ERR_DECRYPTION_FAILED', 'the payload could not be decrypted', { reason });
}

export class GatewayIdentities {
  readonly #key: Buffer;
  readonly #periodMs: number;
  readonly #clock: () => number;
  readonly #extract: GatewayIdentityOptions['extract'];
  readonly #keys = new Map<string, { expiresAt: number; key: Promise<Uint8Array> }>();

  constructor(options: GatewayIdentityOptions) {
    if (!options.secret) throw new DirgateError('ERR_CONFIG_INVALID', 'the gateway identity needs a deployment secret');
    this.#key = Buffer.from(hkdfSync('sha256', Buffer.from(options.secret, 'utf8'), Buffer.alloc(0), 'dirgate-gateway-identity-v1', 32));
    this.#periodMs = (options.periodSeconds ?? DEFAULT_IDENTITY_PERIOD_SECONDS) * 1000;
    this.#clock = options.clock ?? Date.now;
    this.#extract = options.extract;
  }

  #period(now: number): number {
    return Math.floor(now / this.#periodMs);
  }

  #identityFor(period: number): string {
    const secret = createHmac('sha256', this.#key).update(`period:${period}`).digest('base64url');
    return buildIdentity({
      app: GATEWAY_IDENTITY_APP, sessionId: `gateway-${period}`, secret, expiresAt: Math.floor(((period + 2) * this.#periodMs) / 1000),
    });
  }

  /** The identity to hand out now. */
  current(): string {
    return this.#identityFor(this.#period(this.#clock()));
  }

  /** Throws ERR_DECRYPTION_FAILED unless `identity` is one of the gateway's, unexpired. */
  check(identity: string): void {
    let parsed;
    try {
      parsed = parseIdentity(identity);
    } catch {
      throw refused('payload-identity-mismatch');
    }
    const match = /^gateway-(\d{1,15})$/.exec(parsed.sessionId);
    if (parsed.app !== GATEWAY_IDENTITY_APP || !match) throw refused('payload-identity-mismatch');
    const period = Number(match[1]);
    const now = this.#clock();
    const current = this.#period(now);
    if (period !== current && period !== current - 1) throw refused('payload-identity-expired');
    const expected = Buffer.from(this.#identityFor(period));
    const given = Buffer.from(identity);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw refused('payload-identity-mismatch');
    if (identityExpired(parsed, now)) throw refused('payload-identity-expired');
  }

  /** The private key of one of the gateway's identities (check() it first). */
  key(identity: string): Promise<Uint8Array> {
    const now = this.#clock();
    for (const [id, k] of this.#keys) if (now >= k.expiresAt) this.#keys.delete(id);
    const known = this.#keys.get(identity);
    if (known) return known.key;
    const expiresAt = parseIdentity(identity).expiresAt * 1000;
    const key = this.#extract(identity, expiresAt).then((b64) => Uint8Array.from(Buffer.from(b64, 'base64')));
    const entry = { expiresAt, key };
    this.#keys.set(identity, entry);
    key.catch(() => { if (this.#keys.get(identity) === entry) this.#keys.delete(identity); });
    return key;
  }
}
