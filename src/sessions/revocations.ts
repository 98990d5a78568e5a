/**
 * The revocation log: one small entry per ended session under
 * `ou=revocations,<profile base>`, kept for a retention period longer than any
 * cached copy of a session can live. Every process reads the log before
 * trusting a cached session, so a logoff on any replica is refused on every
 * other one from the moment the logoff returned.
 *
 * Reads are coalesced: while one read is in flight, requests that arrived
 * after it was sent wait for the next one (an earlier read might predate their
 * logoff), and all of them share it. So a process sends at most one log read
 * per round trip to LDAP however many requests it serves, and with
 * `maxStalenessMs` above zero it reuses a read that recent instead.
 */
import { performance } from 'node:perf_hooks';
import type { Filter } from '../directory/model.js';
import { firstString } from '../directory/model.js';
import type { ProfileEntries } from './profile-entries.js';
import { createRecord, deleteRecord, ensureContainer } from './records.js';

export interface RevocationLogOptions {
  entries: ProfileEntries;
  clock: () => number;
  /** How long a revocation is kept (ms): longer than a cached session lives plus the staleness allowed. */
  retentionMs: number;
  /** 0: every check sees every logoff that finished before it started. */
  maxStalenessMs: number;
}

interface Read { startedAt: number; promise: Promise<Set<string>> }

export class RevocationLog {
  readonly dn: string;
  readonly #o: RevocationLogOptions;
  /** Revocations this process made or has seen; session ids are never reused, so this only grows until swept. */
  readonly #known = new Map<string, number>();
  #inFlight: Read | undefined;
  #queued: Read | undefined;
  #last: { startedAt: number; ids: Set<string> } | undefined;
  #ready: Promise<void> | undefined;

  constructor(options: RevocationLogOptions) {
    this.#o = options;
    this.dn = `ou=revocations,${options.entries.baseDn}`;
  }

  #ensure(): Promise<void> {
    this.#ready ??= ensureContainer(this.#o.entries, this.#o.entries.baseDn).then(() => ensureContainer(this.#o.entries, this.dn))
      .catch((err) => { this.#ready = undefined; throw err; });
    return this.#ready;
  }

  /**
   * Makes the log's container now, at start-up: until it exists every read of
   * the log (one per request round) answers noSuchObject, an LDAP error each time.
   */
  prepare(): Promise<void> {
    return this.#ensure();
  }

  /** Records a revocation; from when this resolves, every process refuses the session. */
  async revoke(sessionId: string): Promise<void> {
    await this.#ensure();
    const until = this.#o.clock() + this.#o.retentionMs;
    this.#known.set(sessionId, until);
    await createRecord(this.#o.entries, `cn=${sessionId},${this.dn}`, [{ type: 'cn', values: [sessionId] }], 'dirgateRecord',
      { sessionId }, { expiresAt: until });
  }

  async #read(): Promise<Set<string>> {
    const filter: Filter = { type: 'present', attribute: 'objectClass' };
    const found = await this.#o.entries.list(this.dn, filter);
    const ids = new Set<string>();
    for (const entry of found) {
      const id = firstString(entry, 'cn');
      if (!id) continue;
      ids.add(id);
      if (!this.#known.has(id)) this.#known.set(id, Number(firstString(entry, 'dirgateExpiresAt') ?? 0));
    }
    return ids;
  }

  #start(): Read {
    const read: Read = { startedAt: performance.now(), promise: this.#read() };
    this.#inFlight = read;
    read.promise.then(
      (ids) => {
        if (!this.#last || this.#last.startedAt < read.startedAt) this.#last = { startedAt: read.startedAt, ids };
      },
      () => undefined,
    ).finally(() => {
      if (this.#inFlight === read) this.#inFlight = undefined;
    });
    return read;
  }

  /** Whether the session was revoked, as of a log read sent no earlier than this call (or within the staleness allowed). */
  async isRevoked(sessionId: string): Promise<boolean> {
    if (this.#known.has(sessionId)) return true;
    const arrived = performance.now();
    const last = this.#last;
    if (this.#o.maxStalenessMs > 0 && last && arrived - last.startedAt <= this.#o.maxStalenessMs) return last.ids.has(sessionId);
    let read: Read;
    if (!this.#inFlight) {
      read = this.#start();
    } else {
      // The read in flight may have been sent before the logoff this request must see: wait for the next one.
      if (!this.#queued) {
        const previous = this.#inFlight.promise;
        const queued: Read = {
          startedAt: Number.POSITIVE_INFINITY,
          promise: previous.catch(() => undefined).then(() => {
            this.#queued = undefined;
            const next = this.#start();
            queued.startedAt = next.startedAt;
            return next.promise;
          }),
        };
        this.#queued = queued;
      }
      read = this.#queued;
    }
    return (await read.promise).has(sessionId) || this.#known.has(sessionId);
  }

  /** Removes revocations past their retention; returns how many. */
  async sweep(): Promise<number> {
    const now = this.#o.clock();
    for (const [id, until] of this.#known) if (until <= now) this.#known.delete(id);
    const expired = await this.#o.entries.list(this.dn, { type: 'lessOrEqual', attribute: 'dirgateExpiresAt', value: String(now) });
    let removed = 0;
    for (const entry of expired) if (await deleteRecord(this.#o.entries, entry.dn)) removed++;
    return removed;
  }
}
