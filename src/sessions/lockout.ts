/**
 * Lock-out: failed primary or MFA attempts counted per login name in the
 * extended profile (`ou=lockout,<base>`), so every replica sees the same count.
 * Names are counted whether or not such a user exists, and a locked name gets
 * the same answer as a wrong password, so neither the counting nor the answer
 * tells an attacker which users exist. Entries are named by a keyed hash of the
 * name, so the profile does not list the names people tried.
 */
import { createHmac } from 'node:crypto';
import { DirgateError } from '../errors.js';
import type { ProfileEntries } from './profile-entries.js';
import { createRecord, deleteRecord, ensureContainer, mutateRecord, readRecord } from './records.js';

export interface LockoutSettings {
  /** Failures within `windowSeconds` that lock the name. */
  threshold: number;
  /** How long a lock lasts. */
  durationSeconds: number;
  /** Failures older than this are forgotten. */
  windowSeconds: number;
}

export const DEFAULT_LOCKOUT: LockoutSettings = { threshold: 5, durationSeconds: 900, windowSeconds: 900 };

interface LockoutData { failures: number[]; lockedUntil?: number }

export interface LockoutStoreOptions {
  entries: ProfileEntries;
  /** Keys the entry names; any stable secret of the deployment. */
  nameKey: string;
  settings?: Partial<LockoutSettings>;
  clock?: () => number;
}

/** The one answer for a locked name: the same as a wrong password (ERR_ACCOUNT_LOCKED is not exposed). */
export function lockedError(): DirgateError {
  return new DirgateError('ERR_ACCOUNT_LOCKED', 'authentication failed', { reason: 'account-locked' });
}

export class LockoutStore {
  readonly settings: LockoutSettings;
  readonly containerDn: string;
  readonly #o: LockoutStoreOptions;
  readonly #clock: () => number;
  #ready: Promise<void> | undefined;

  constructor(options: LockoutStoreOptions) {
    this.#o = options;
    this.settings = { ...DEFAULT_LOCKOUT, ...options.settings };
    this.#clock = options.clock ?? Date.now;
    this.containerDn = `ou=lockout,${options.entries.baseDn}`;
  }

  /** Case and surrounding space do not make a new name to guess under. */
  static normalize(name: string): string {
    return name.trim().toLowerCase();
  }

  #dn(name: string): string {
    const id = createHmac('sha256', this.#o.nameKey).update(LockoutStore.normalize(name)).digest('hex').slice(0, 40);
    return `cn=${id},${this.containerDn}`;
  }

  #ensure(): Promise<void> {
    this.#ready ??= ensureContainer(this.#o.entries, this.#o.entries.baseDn).then(() => ensureContainer(this.#o.entries, this.containerDn))
      .catch((err) => { this.#ready = undefined; throw err; });
    return this.#ready;
  }

  /** Throws the locked error when the name is locked now. Call before checking credentials. */
  async assertNotLocked(name: string): Promise<void> {
    const record = await readRecord<LockoutData>(this.#o.entries, this.#dn(name));
    if (record?.data.lockedUntil !== undefined && this.#clock() < record.data.lockedUntil) throw lockedError();
  }

  /** Counts a failure; resolves to true when this failure locked the name. */
  async recordFailure(name: string): Promise<boolean> {
    await this.#ensure();
    const dn = this.#dn(name);
    const { threshold, windowSeconds, durationSeconds } = this.settings;
    for (let attempt = 0; attempt < 8; attempt++) {
      const now = this.#clock();
      let locked = false;
      const next = (data: LockoutData): LockoutData => {
        const failures = [...data.failures.filter((t) => now - t < windowSeconds * 1000), now];
        if (failures.length >= threshold) {
          locked = true;
          return { failures: [], lockedUntil: now + durationSeconds * 1000 };
        }
        return { failures, ...(data.lockedUntil !== undefined && now < data.lockedUntil ? { lockedUntil: data.lockedUntil } : {}) };
      };
      const expiry = (d: LockoutData) => Math.max(d.lockedUntil ?? 0, now + windowSeconds * 1000);
      const written = await mutateRecord<LockoutData>(this.#o.entries, dn, (current) => {
        const data = next(current);
        return { data, ix: { expiresAt: expiry(data) } };
      });
      if (written) return locked;
      const first = next({ failures: [] });
      const created = await createRecord(this.#o.entries, dn, [{ type: 'cn', values: [dn.slice(3, dn.indexOf(','))] }], 'dirgateRecord', first, { expiresAt: expiry(first) });
      if (created) return locked;
    }
    throw new DirgateError('ERR_BUSY', 'too many concurrent lock-out updates', { reason: 'store-contention' });
  }

  /** A success forgets earlier failures; a lock in force stays (callers check it before the credentials). */
  async recordSuccess(name: string): Promise<void> {
    const dn = this.#dn(name);
    const record = await readRecord<LockoutData>(this.#o.entries, dn);
    if (record && (record.data.lockedUntil === undefined || this.#clock() >= record.data.lockedUntil)) await deleteRecord(this.#o.entries, dn);
  }

  /** Removes counters whose failures and lock have all run out. */
  async sweep(): Promise<number> {
    const due = await this.#o.entries.list(this.containerDn, { type: 'lessOrEqual', attribute: 'dirgateExpiresAt', value: String(this.#clock()) });
    let n = 0;
    for (const e of due) if (await deleteRecord(this.#o.entries, e.dn)) n++;
    return n;
  }
}
