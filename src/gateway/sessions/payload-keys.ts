/**
 * A session's payload key: once the session is fully authenticated, a fresh
 * 32-byte content key is wrapped once to the session's IBE identity (one
 * pairing, on the worker pool) and kept on the session entry with the
 * EncryptedKey that rides on every response, so every gateway process
 * encrypts to the session with the same EncryptedKey and no process pays a
 * pairing per message. The content key and the client's identity key (handed
 * out again by heartbeats) are stored sealed; a local cache spares the
 * unsealing.
 */
import { LRUCache } from 'lru-cache';
import { DirgateError } from '../../errors.js';
import { wrapContentKey, type IbeOperations, type WrappedContentKey } from '../../ibe/envelope.js';
import type { Sealer } from '../../sessions/seal.js';
import type { SessionData, SessionStore } from '../../sessions/store.js';
import type { GatewaySession } from './caller-state.js';

/** Kept on the session entry (inside its JSON document). */
export interface PayloadKeyRecord {
  identity: string;
  /** Base64 of U || V || W. */
  encryptedKey: string;
  /** The content key, sealed. */
  contentKey: string;
  /** The client's identity key (base64 of the 48-byte point), sealed. */
  sessionKey: string;
  /** Milliseconds: the identity's end. */
  expiresAt: number;
}

export interface PayloadKeysOptions {
  sessions: SessionStore;
  ibe: IbeOperations;
  masterPublicKey(): Promise<Uint8Array>;
  sealer: Sealer;
  cacheMax?: number;
}

export class PayloadKeys {
  readonly #o: PayloadKeysOptions;
  readonly #cache: LRUCache<string, { encryptedKey: string; wrapped: WrappedContentKey }>;

  constructor(options: PayloadKeysOptions) {
    this.#o = options;
    this.#cache = new LRUCache({ max: options.cacheMax ?? 10_000 });
  }

  /** Wraps a content key to the session's identity and stores it with the client's key. */
  async establish(session: SessionData, identity: string, sessionKey: string, expiresAt: number): Promise<GatewaySession> {
    const wrapped = await wrapContentKey(this.#o.ibe, await this.#o.masterPublicKey(), identity);
    const record: PayloadKeyRecord = {
      identity,
      encryptedKey: wrapped.encryptedKey.toString('base64'),
      contentKey: this.#o.sealer.seal(wrapped.contentKey.toString('base64')),
      sessionKey: this.#o.sealer.seal(sessionKey),
      expiresAt,
    };
    const written = await this.#o.sessions.update(session.id, (s) => ({ ...s, payload: record }) as SessionData);
    if (!written) throw new DirgateError('ERR_AUTHENTICATION_FAILED', 'authentication failed', { reason: 'session-unknown' });
    this.#cache.set(session.id, { encryptedKey: record.encryptedKey, wrapped });
    return written as GatewaySession;
  }

  /** The session's wrapped content key, or undefined before it has one (MFA pending). */
  wrapped(session: GatewaySession): WrappedContentKey | undefined {
    const record = session.payload;
    if (!record) return undefined;
    const cached = this.#cache.get(session.id);
    if (cached && cached.encryptedKey === record.encryptedKey) return cached.wrapped;
    const wrapped: WrappedContentKey = {
      identity: record.identity,
      contentKey: Buffer.from(this.#o.sealer.open(record.contentKey), 'base64'),
      encryptedKey: Buffer.from(record.encryptedKey, 'base64'),
    };
    this.#cache.set(session.id, { encryptedKey: record.encryptedKey, wrapped });
    return wrapped;
  }

  /** The client's identity key (base64), or undefined before the session has one. */
  sessionKey(session: GatewaySession): string | undefined {
    return session.payload ? this.#o.sealer.open(session.payload.sessionKey) : undefined;
  }

  forget(sessionId: string): void {
    this.#cache.delete(sessionId);
  }
}
