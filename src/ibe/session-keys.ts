/**
 * What makes encrypted sessions cheap and safe after the first message:
 *
 * - ContentKeyCache: unwrapped content keys by the EncryptedKey bytes, so only
 *   the first message of a session pays for a pairing (concurrent first
 *   messages share one unwrap). An EncryptedKey is bound to the scope (the
 *   session) that first used it: the same bytes presented by another session are
 *   refused, so a captured request cannot be replayed under someone else's session.
 * - ReplayGuard: the IVs seen under each content key. AES-GCM IVs are random per
 *   message, so a repeated IV under the same key is a replay and is refused.
 *   Bounded: at most `maxKeys` keys (least recently used dropped) and the last
 *   `ivsPerKey` IVs of each; a replay older than that window is not detected.
 */
import { LRUCache } from 'lru-cache';
import { DirgateError } from '../errors.js';

function refused(reason: string): DirgateError {
  return new DirgateError('ERR_DECRYPTION_FAILED', 'the payload could not be decrypted', { reason });
}

export interface ContentKeyCacheOptions {
  /** Sessions' keys kept (default 10000). */
  max?: number;
  /** Milliseconds a key stays cached after its last use (default: no limit but `max`). */
  ttlMs?: number;
}

interface CachedKey { scope: string; key: Promise<Uint8Array> }

export class ContentKeyCache {
  private readonly entries: LRUCache<string, CachedKey>;

  constructor(options: ContentKeyCacheOptions = {}) {
    this.entries = new LRUCache<string, CachedKey>({
      max: options.max ?? 10_000,
      ...(options.ttlMs ? { ttl: options.ttlMs, updateAgeOnGet: true } : {}),
    });
  }

  /**
   * The content key inside `encryptedKey`, calling `unwrap` only when it is not
   * cached yet. `scope` names who presents it (a session id); another scope
   * presenting the same bytes is refused. A failed unwrap is not cached.
   */
  async get(scope: string, encryptedKey: Uint8Array, unwrap: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const id = Buffer.from(encryptedKey).toString('base64');
    let entry = this.entries.get(id);
    if (entry && entry.scope !== scope) throw refused('encrypted-key-other-session');
    if (!entry) {
      entry = { scope, key: unwrap() };
      this.entries.set(id, entry);
      entry.key.catch(() => { if (this.entries.get(id) === entry) this.entries.delete(id); });
    }
    return entry.key;
  }

  /** Records a key this side wrapped itself (the sender never unwraps its own). */
  remember(scope: string, encryptedKey: Uint8Array, contentKey: Uint8Array): void {
    this.entries.set(Buffer.from(encryptedKey).toString('base64'), { scope, key: Promise.resolve(contentKey) });
  }

  /** Drops a session's key (at logoff). */
  forget(encryptedKey: Uint8Array): void {
    this.entries.delete(Buffer.from(encryptedKey).toString('base64'));
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface ReplayGuardOptions {
  /** Content keys tracked (default 10000). */
  maxKeys?: number;
  /** IVs remembered per key (default 256). */
  ivsPerKey?: number;
}

export class ReplayGuard {
  private readonly seen: LRUCache<string, Set<string>>;
  private readonly ivsPerKey: number;

  constructor(options: ReplayGuardOptions = {}) {
    this.seen = new LRUCache<string, Set<string>>({ max: options.maxKeys ?? 10_000 });
    this.ivsPerKey = options.ivsPerKey ?? 256;
  }

  /**
   * Records `iv` under the key named by `encryptedKey`; throws ERR_DECRYPTION_FAILED
   * (reason `payload-replayed`) when it was already seen. Call it only after the
   * payload authenticated, so forged messages cannot fill the window.
   */
  check(encryptedKey: Uint8Array, iv: Uint8Array): void {
    const keyId = Buffer.from(encryptedKey).toString('base64');
    const ivId = Buffer.from(iv).toString('base64');
    let ivs = this.seen.get(keyId);
    if (!ivs) {
      ivs = new Set();
      this.seen.set(keyId, ivs);
    }
    if (ivs.has(ivId)) throw refused('payload-replayed');
    ivs.add(ivId);
    // A Set iterates in insertion order: the first value is the oldest.
    if (ivs.size > this.ivsPerKey) ivs.delete(ivs.values().next().value as string);
  }

  forget(encryptedKey: Uint8Array): void {
    this.seen.delete(Buffer.from(encryptedKey).toString('base64'));
  }
}
