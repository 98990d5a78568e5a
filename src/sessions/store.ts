/**
 * Sessions in the extended profile: one entry per session under
 * `ou=sessions,<profile base>`, so a restart keeps them and every gateway
 * process shares them. Per request a session is validated against a cached
 * copy; the cache only ever says yes on its own (a refusal is re-checked
 * against LDAP), and the revocation log (revocations.ts) is read before a
 * cached copy is trusted, so a logoff anywhere is refused everywhere at once.
 * Writes per request are bounded: activity is recorded at most once per
 * session per `activityFraction` of its idle timeout, the token renewed once
 * per half token lifetime. docs/sessions.md states the bounds.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { DirgateError } from '../errors.js';
import type { Entry } from '../directory/model.js';
import { buildIdentity } from '../ibe/identity.js';
import { silentLogger, type Logger } from '../log.js';
import type { OpenTokenCodec } from './opentoken.js';
import type { ProfileEntries } from './profile-entries.js';
import { createRecord, deleteRecord, ensureContainer, parseRecord, readRecord, updateRecord, type IndexedAttributes, type StoredRecord } from './records.js';
import { RevocationLog } from './revocations.js';
import type { Sealer } from './seal.js';
import { decodeSessionToken, encodeSessionToken, type SessionTokenClaims } from './token.js';

export type Clock = () => number;

/** What a partially authenticated session still owes, in OpenZiti's form. */
export interface AuthQuery {
  typeId: 'MFA';
  provider: 'dirgate';
  format: 'numeric';
  minLength: number;
  maxLength: number;
}
export const TOTP_AUTH_QUERY: AuthQuery = { typeId: 'MFA', provider: 'dirgate', format: 'numeric', minLength: 6, maxLength: 6 };

export type MfaState = { state: 'complete' } | { state: 'pending'; authQueries: AuthQuery[] };

export interface TokenState {
  /** SHA-256 of the current token, base64url. */
  hash: string;
  /** The current token, sealed, so any holder of the session can be handed it. */
  sealed: string;
  notOnOrAfter: number;
  /** From when a request renews the token. */
  renewAt: number;
  /** The token before the last renewal, accepted until `validUntil`. */
  previous?: { hash: string; validUntil: number };
}

export interface SessionData {
  id: string;
  /** The user's (virtual) DN; the token's `subject`. */
  user: string;
  /** The application that created the session. */
  app: string;
  /** Applications that have used it (the creator and those it shares with). */
  apps: string[];
  createdAt: number;
  /** As last recorded: at most `activityFraction` of the idle timeout behind the real last request. */
  lastActivity: number;
  /** End of the maximum lifetime. */
  expiresAt: number;
  /** Seconds. */
  idleTimeout: number;
  mfa: MfaState;
  token: TokenState;
  /** Per-session secret (base64url, 256 bits): part of the IBE identity, never sent. */
  secret: string;
  ibe?: { identity: string; expiresAt: number };
  /** Extra token claims (an interception script's), kept across renewals. */
  claims: Record<string, string[]>;
}

export interface SessionSettings {
  /** How long a cached copy may answer without LDAP (the revocation log is still read). */
  cacheTtlMs: number;
  cacheMaxEntries: number;
  /** 0: a logoff is refused everywhere from the moment it returned; above 0, within that many ms. */
  revocationMaxStalenessMs: number;
  /** Activity is written at most once per this fraction of the idle timeout. */
  activityFraction: number;
  /** How long the token before a renewal stays valid. */
  tokenGraceMs: number;
  /** Token lifetime; undefined: the application's idle timeout (an idle client's token lives as long as its session could). */
  tokenLifetimeSeconds?: number;
  /** Longest time a token may be renewed for; undefined: the session's maximum lifetime. */
  renewUntilSeconds?: number;
  /** Slack on the token's own time checks, for clocks of replicas that disagree a little. */
  clockSkewSeconds: number;
}

export const DEFAULT_SESSION_SETTINGS: SessionSettings = {
  cacheTtlMs: 5000,
  cacheMaxEntries: 100_000,
  revocationMaxStalenessMs: 0,
  activityFraction: 0.1,
  tokenGraceMs: 60_000,
  clockSkewSeconds: 30,
};

export interface SessionStoreOptions {
  entries: ProfileEntries;
  codec: OpenTokenCodec;
  /** Seals the stored copy of the current token. */
  sealer: Sealer;
  clock?: Clock;
  settings?: Partial<SessionSettings>;
  /** Whether `callerApp` may use a session that `ownerApp` created (the applications' `shareSessionsWith`). */
  mayShare?: (ownerApp: string, callerApp: string) => boolean;
  /** Revokes an IBE identity at the key server when its session ends. */
  revokeIdentity?: (identity: string, session: SessionData) => Promise<void>;
  logger?: Logger;
}

export interface CreateSessionInput {
  user: string;
  app: string;
  /** Seconds. */
  idleTimeout: number;
  /** Seconds. */
  maxLifetime: number;
  mfaRequired: boolean;
  claims?: Record<string, string[]>;
  /**
   * Records the session's IBE identity (sessionIbeIdentity) in the entry as it
   * is created, for a session whose key is asked for at once: the default
   * getEncryptionKey then finds it recorded and does not write it again.
   */
  recordIbeIdentity?: boolean;
}

export interface ValidateInput {
  sessionId: string;
  token: string;
  /** The application calling (X-Dirgate-App). */
  app: string;
  /** Answering the MFA query, heartbeat, enrolment and logoff are allowed while MFA is outstanding. */
  allowPendingMfa?: boolean;
}

export interface ValidatedSession {
  session: SessionData;
  /** Set when the caller must switch to a new token (it was renewed now, or earlier by someone else). */
  renewedToken?: string;
  claims: SessionTokenClaims;
}

export type EndReason = 'logoff' | 'session-expired' | 'session-idle' | 'admin';

function fail(reason: string): DirgateError {
  return new DirgateError('ERR_AUTHENTICATION_FAILED', 'authentication failed', { reason });
}

function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'base64url');
  const y = Buffer.from(b, 'base64url');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** 144 random bits, base64url (24 characters). */
export function newSessionId(): string {
  return randomBytes(18).toString('base64url');
}

const SESSION_ID = /^[A-Za-z0-9_-]{22,64}$/;
export function isSessionId(value: string): boolean {
  return SESSION_ID.test(value);
}

/** When the sweeper may remove the entry: the earlier of the idle deadline and the maximum lifetime. */
export function effectiveExpiry(s: Pick<SessionData, 'lastActivity' | 'idleTimeout' | 'expiresAt'>): number {
  return Math.min(s.expiresAt, s.lastActivity + s.idleTimeout * 1000);
}

/** The IBE identity of a session (src/ibe/identity.ts): its application, id, secret and end. */
export function sessionIbeIdentity(session: Pick<SessionData, 'id' | 'secret' | 'app' | 'expiresAt'>): string {
  return buildIdentity({ app: session.app, sessionId: session.id, secret: session.secret, expiresAt: Math.floor(session.expiresAt / 1000) });
}

interface Cached { record: StoredRecord<SessionData>; loadedAt: number }

export class SessionStore {
  readonly settings: SessionSettings;
  readonly containerDn: string;
  readonly revocations: RevocationLog;
  readonly #o: SessionStoreOptions;
  readonly #clock: Clock;
  readonly #cache: LRUCache<string, Cached>;
  readonly #log: Logger;
  #ready: Promise<void> | undefined;

  constructor(options: SessionStoreOptions) {
    this.#o = options;
    this.settings = { ...DEFAULT_SESSION_SETTINGS, ...options.settings };
    if (this.settings.cacheTtlMs >= this.settings.tokenGraceMs) {
      // A replica's cached copy must never outlive the grace of the token it holds.
      throw new DirgateError('ERR_CONFIG_INVALID', 'sessions.cacheTtlSeconds must be shorter than sessions.tokenGraceSeconds');
    }
    this.#clock = options.clock ?? Date.now;
    this.#log = options.logger ?? silentLogger();
    this.containerDn = `ou=sessions,${options.entries.baseDn}`;
    this.#cache = new LRUCache({ max: this.settings.cacheMaxEntries });
    this.revocations = new RevocationLog({
      entries: options.entries,
      clock: this.#clock,
      retentionMs: this.settings.cacheTtlMs + this.settings.revocationMaxStalenessMs + 60_000,
      maxStalenessMs: this.settings.revocationMaxStalenessMs,
    });
  }

  #ensure(): Promise<void> {
    this.#ready ??= ensureContainer(this.#o.entries, this.#o.entries.baseDn)
      .then(() => ensureContainer(this.#o.entries, this.containerDn))
      .catch((err) => { this.#ready = undefined; throw err; });
    return this.#ready;
  }

  dnOf(sessionId: string): string {
    return `dirgateSessionId=${sessionId},${this.containerDn}`;
  }

  #ix(s: SessionData): IndexedAttributes {
    return { user: s.user, expiresAt: effectiveExpiry(s) };
  }

  #issue(s: Omit<SessionData, 'token'> | SessionData, now: number): { token: string; state: TokenState; claims: SessionTokenClaims } {
    const nowSeconds = Math.floor(now / 1000) * 1000;
    const lifetimeMs = (this.settings.tokenLifetimeSeconds ?? s.idleTimeout) * 1000;
    const renewCap = this.settings.renewUntilSeconds === undefined ? s.expiresAt : Math.min(s.expiresAt, s.createdAt + this.settings.renewUntilSeconds * 1000);
    const renewUntil = Math.floor(renewCap / 1000) * 1000;
    const notOnOrAfter = Math.min(renewUntil, nowSeconds + lifetimeMs);
    const claims: SessionTokenClaims = {
      subject: s.user, sessionId: s.id, app: s.app,
      notBefore: new Date(nowSeconds), notOnOrAfter: new Date(notOnOrAfter), renewUntil: new Date(renewUntil),
      extra: new Map(Object.entries(s.claims)),
    };
    const token = encodeSessionToken(this.#o.codec, claims);
    return {
      token,
      claims,
      state: { hash: hashToken(token), sealed: this.#o.sealer.seal(token), notOnOrAfter, renewAt: nowSeconds + Math.floor((notOnOrAfter - nowSeconds) / 2) },
    };
  }

  /** Creates a session (MFA pending when required) and its first token. */
  async create(input: CreateSessionInput): Promise<{ session: SessionData; token: string }> {
    await this.#ensure();
    const now = this.#clock();
    const base: Omit<SessionData, 'token'> = {
      id: newSessionId(),
      user: input.user,
      app: input.app,
      apps: [input.app],
      createdAt: now,
      lastActivity: now,
      expiresAt: now + input.maxLifetime * 1000,
      idleTimeout: input.idleTimeout,
      mfa: input.mfaRequired ? { state: 'pending', authQueries: [TOTP_AUTH_QUERY] } : { state: 'complete' },
      secret: randomBytes(32).toString('base64url'),
      claims: input.claims ?? {},
    };
    if (input.recordIbeIdentity) base.ibe = { identity: sessionIbeIdentity(base), expiresAt: base.expiresAt };
    const issued = this.#issue(base, now);
    const session: SessionData = { ...base, token: issued.state };
    const record = await createRecord(this.#o.entries, this.dnOf(session.id),
      [{ type: 'dirgateSessionId', values: [session.id] }], 'dirgateSession', session, this.#ix(session));
    if (!record) throw new DirgateError('ERR_INTERNAL', 'session id collision');
    this.#cache.set(session.id, { record, loadedAt: now });
    this.#log.info('session created', { event: 'session-created', sessionId: session.id, user: session.user, app: session.app, mfa: session.mfa.state });
    return { session, token: issued.token };
  }

  /** The session as stored (fresh from LDAP), or undefined; revoked sessions are undefined. */
  async get(sessionId: string): Promise<SessionData | undefined> {
    return (await this.#load(sessionId, true))?.record.data;
  }

  async #load(sessionId: string, fresh: boolean): Promise<{ record: StoredRecord<SessionData>; fromCache: boolean } | undefined> {
    if (!isSessionId(sessionId)) return undefined;
    if (await this.revocations.isRevoked(sessionId)) {
      this.#cache.delete(sessionId);
      return undefined;
    }
    const cached = this.#cache.get(sessionId);
    if (!fresh && cached && this.#clock() - cached.loadedAt < this.settings.cacheTtlMs) return { record: cached.record, fromCache: true };
    return this.#read(sessionId);
  }

  /** The entry from LDAP into the cache; callers have just checked the revocation log. */
  async #read(sessionId: string): Promise<{ record: StoredRecord<SessionData>; fromCache: boolean } | undefined> {
    const now = this.#clock();
    const record = await readRecord<SessionData>(this.#o.entries, this.dnOf(sessionId));
    if (!record) {
      this.#cache.delete(sessionId);
      return undefined;
    }
    this.#cache.set(sessionId, { record, loadedAt: now });
    return { record, fromCache: false };
  }

  /**
   * Validates `sessionId:token` for a request from `app`: authentic token of
   * this session, current (or the previous one within its grace), application
   * allowed, not idle or past its lifetime, MFA complete unless allowed
   * pending. Renews the token when due and records activity when due.
   */
  async validate(input: ValidateInput): Promise<ValidatedSession> {
    const now = this.#clock();
    const claims = decodeSessionToken(this.#o.codec, input.token, new Date(now), this.settings.clockSkewSeconds);
    if (claims.sessionId !== input.sessionId) throw fail('token-session-mismatch');
    const presented = hashToken(input.token);

    let loaded = await this.#load(input.sessionId, false);
    for (;;) {
      if (!loaded) throw fail('session-unknown');
      const problem = this.#check(loaded.record.data, claims, input, presented, now);
      if (!problem) break;
      // A cached copy never refuses on its own: another replica may have renewed, recorded activity or completed MFA.
      if (loaded.fromCache) {
        loaded = await this.#load(input.sessionId, true);
        continue;
      }
      if (problem === 'session-expired' || problem === 'session-idle') {
        await this.end(input.sessionId, problem);
      }
      if (problem === 'mfa-pending') throw new DirgateError('ERR_MFA_REQUIRED', 'multi-factor authentication is outstanding', { reason: 'mfa-pending' });
      throw fail(problem);
    }

    const record = loaded.record;
    const session = record.data;
    let renewedToken = sameHash(presented, session.token.hash) ? undefined : this.#o.sealer.open(session.token.sealed);

    const renewDue = now >= session.token.renewAt && session.token.notOnOrAfter < Math.min(session.expiresAt, now + 1000 * (this.settings.tokenLifetimeSeconds ?? session.idleTimeout));
    const activityDue = now - session.lastActivity >= session.idleTimeout * 1000 * this.settings.activityFraction;
    const joins = !session.apps.includes(input.app);
    if (!renewDue && !activityDue && !joins) return { session, claims, ...(renewedToken ? { renewedToken } : {}) };

    const next: SessionData = { ...session, apps: joins ? [...session.apps, input.app] : session.apps };
    if (activityDue || renewDue) next.lastActivity = now;
    let issuedToken: string | undefined;
    if (renewDue) {
      const issued = this.#issue(next, now);
      issuedToken = issued.token;
      next.token = { ...issued.state, previous: { hash: session.token.hash, validUntil: now + this.settings.tokenGraceMs } };
    }
    const written = await updateRecord(this.#o.entries, record, next, this.#ix(next));
    if (written) {
      this.#cache.set(session.id, { record: written, loadedAt: now });
      if (issuedToken) {
        renewedToken = issuedToken;
        this.#log.info('session token renewed', { event: 'session-token-renewed', sessionId: session.id, app: input.app });
      }
      return { session: next, claims, ...(renewedToken ? { renewedToken } : {}) };
    }
    // Another process wrote first (it renewed, or recorded activity): take its state and hand out its token.
    const fresh = await this.#load(input.sessionId, true);
    if (!fresh) throw fail('session-unknown');
    const current = fresh.record.data;
    const isCurrent = sameHash(presented, current.token.hash);
    const inGrace = current.token.previous && sameHash(presented, current.token.previous.hash) && now < current.token.previous.validUntil;
    if (!isCurrent && !inGrace) throw fail('token-superseded');
    return { session: current, claims, ...(isCurrent ? {} : { renewedToken: this.#o.sealer.open(current.token.sealed) }) };
  }

  /** The first reason to refuse, or undefined. */
  #check(s: SessionData, claims: SessionTokenClaims, input: ValidateInput, presented: string, now: number): string | undefined {
    if (claims.subject !== s.user || claims.app !== s.app) return 'token-session-mismatch';
    const current = sameHash(presented, s.token.hash);
    const previous = !current && s.token.previous !== undefined && sameHash(presented, s.token.previous.hash) && now < s.token.previous.validUntil;
    if (!current && !previous) return 'token-superseded';
    if (input.app !== s.app && !(this.#o.mayShare?.(s.app, input.app) ?? false)) return 'app-may-not-share';
    if (now >= s.expiresAt) return 'session-expired';
    if (now >= s.lastActivity + s.idleTimeout * 1000) return 'session-idle';
    if (s.mfa.state === 'pending' && !input.allowPendingMfa) return 'mfa-pending';
    return undefined;
  }

  /**
   * Applies `change` with compare-and-swap retries; the session as written, or
   * undefined when it is gone (or revoked: the log is read before every try).
   * The first try starts from this process's cached copy when it is within
   * `cacheTtlMs` (typically what this process just created or wrote), not
   * from a fresh read: the write names the revision it started from, so it
   * fails if anyone changed the entry since, and the next try re-reads. Only a
   * fresh copy may say there is nothing to change.
   */
  async update(sessionId: string, change: (s: SessionData) => SessionData | undefined): Promise<SessionData | undefined> {
    for (let i = 0; i < 8; i++) {
      let loaded = await this.#load(sessionId, i > 0);
      if (!loaded) return undefined;
      let next = change(loaded.record.data);
      if (!next && loaded.fromCache) {
        loaded = await this.#read(sessionId);
        if (!loaded) return undefined;
        next = change(loaded.record.data);
      }
      if (!next) return loaded.record.data;
      const written = await updateRecord(this.#o.entries, loaded.record, next, this.#ix(next));
      if (written) {
        this.#cache.set(sessionId, { record: written, loadedAt: this.#clock() });
        return next;
      }
    }
    throw new DirgateError('ERR_BUSY', 'too many concurrent updates of one session', { reason: 'store-contention' });
  }

  /** Marks the outstanding MFA as answered; the session becomes fully authenticated. */
  completeMfa(sessionId: string): Promise<SessionData | undefined> {
    return this.update(sessionId, (s) => (s.mfa.state === 'complete' ? undefined : { ...s, mfa: { state: 'complete' } }));
  }

  /** Records the IBE identity whose key the client holds, so logoff can revoke it. */
  setIbeIdentity(sessionId: string, identity: string, expiresAt: number): Promise<SessionData | undefined> {
    return this.update(sessionId, (s) => ({ ...s, ibe: { identity, expiresAt } }));
  }

  /** The current token (for a heartbeat that returns it). */
  currentToken(session: SessionData): string {
    return this.#o.sealer.open(session.token.sealed);
  }

  /**
   * Common logoff: ends the session for every application sharing it. The
   * revocation is logged first (so no replica can re-cache the entry between
   * the two writes), then the entry is deleted and the IBE identity revoked.
   * True when this call ended it.
   */
  async end(sessionId: string, reason: EndReason = 'logoff'): Promise<boolean> {
    if (!isSessionId(sessionId)) return false;
    const record = await readRecord<SessionData>(this.#o.entries, this.dnOf(sessionId));
    await this.revocations.revoke(sessionId);
    this.#cache.delete(sessionId);
    const removed = await deleteRecord(this.#o.entries, this.dnOf(sessionId));
    if (!removed || !record) return false;
    const session = record.data;
    this.#log.info('session ended', { event: 'session-ended', reason, sessionId, user: session.user, apps: session.apps });
    if (session.ibe && this.#o.revokeIdentity) {
      try {
        await this.#o.revokeIdentity(session.ibe.identity, session);
      } catch (err) {
        // The session is gone either way; the key expires with its identity's end time.
        this.#log.error('revoking the session identity failed', { event: 'ibe-revoke-failed', sessionId, err });
      }
    }
    return true;
  }

  /** Ends every session of a user (password change, administrator action). */
  async endAllOf(user: string, reason: EndReason = 'admin'): Promise<number> {
    let n = 0;
    for (const s of await this.listByUser(user)) if (await this.end(s.id, reason)) n++;
    return n;
  }

  #parse(entries: Entry[]): SessionData[] {
    return entries.map((e) => parseRecord<SessionData>(e)?.data).filter((s): s is SessionData => s !== undefined);
  }

  async listByUser(user: string): Promise<SessionData[]> {
    return this.#parse(await this.#o.entries.list(this.containerDn, { type: 'equality', attribute: 'dirgateUser', value: user }));
  }

  /** Every session (administrators). */
  async list(): Promise<SessionData[]> {
    return this.#parse(await this.#o.entries.list(this.containerDn, { type: 'present', attribute: 'dirgateSessionId' }));
  }

  /**
   * Removes sessions past their idle deadline or lifetime (with their keys)
   * and revocations past their retention. The gateway calls it every
   * `sessions.sweepIntervalSeconds`; any process may, concurrently.
   */
  async sweep(): Promise<{ sessions: number; revocations: number }> {
    const now = this.#clock();
    const due = await this.#o.entries.list(this.containerDn, { type: 'lessOrEqual', attribute: 'dirgateExpiresAt', value: String(now) });
    let sessions = 0;
    for (const s of this.#parse(due)) {
      if (effectiveExpiry(s) > now) continue;
      if (await this.end(s.id, now >= s.expiresAt ? 'session-expired' : 'session-idle')) sessions++;
    }
    const revocations = await this.revocations.sweep();
    return { sessions, revocations };
  }

  /** Drops this process's cached copies (tests, and a process that knows it missed revocations). */
  clearCache(): void {
    this.#cache.clear();
  }
}

