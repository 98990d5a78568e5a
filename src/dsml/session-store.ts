/**
 * Microsoft DSML sessions ([MS-DSML] SOAP session extension), in memory.
 *
 * A session exists so a paged search can continue over several SOAP requests:
 * it keeps the paged-results cookies the directory handed out, and gives the
 * client an opaque handle instead, usable only inside the session that got it.
 * The bounds follow DSML Services for Windows: a total (sessionsMax), a number
 * per caller (sessionsMaxPerIP, counted here per application and user), an idle
 * time to live renewed by every request (sessionsTTL), and a session usable only
 * by the caller (sessionsAuthMatch) and client address (sessionsIPMatch) that
 * began it. Expired sessions are dropped lazily; nothing runs on a timer.
 */
import { randomBytes } from 'node:crypto';
import { DirgateError } from '../errors.js';
import type { DsmlSessionConfig } from './config.js';

export interface SessionOwner {
  /** Who the caller is (application and user); a session answers only to the owner that began it. */
  principal: string;
  clientIp?: string;
}

export interface DsmlSession {
  readonly id: string;
  readonly owner: SessionOwner;
  readonly createdAt: number;
  lastUsed: number;
  /** Handle given to the client -> the directory's own cookie, oldest first. */
  readonly cookies: Map<string, Buffer>;
}

export interface SessionStoreOptions extends DsmlSessionConfig {
  /** Milliseconds clock, for tests. */
  now?: () => number;
}

function badSession(): DirgateError {
  // Unknown, expired and someone else's sessions look the same from outside.
  return new DirgateError('ERR_MALFORMED_REQUEST', 'the DSML session is unknown or has expired', { reason: 'dsml-session-unknown' });
}

export class DsmlSessionStore {
  private readonly sessions = new Map<string, DsmlSession>();
  private readonly now: () => number;

  constructor(readonly options: SessionStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    this.sweep();
    return this.sessions.size;
  }

  private expired(s: DsmlSession, at: number): boolean {
    return at - s.lastUsed >= this.options.idleSeconds * 1000;
  }

  /** Drops every session idle past its time to live. */
  sweep(): void {
    const at = this.now();
    for (const [id, s] of this.sessions) if (this.expired(s, at)) this.sessions.delete(id);
  }

  /** Opens a session; throws ERR_BUSY when the total or the caller's share is used up. */
  begin(owner: SessionOwner): DsmlSession {
    this.sweep();
    if (this.sessions.size >= this.options.maxSessions) {
      throw new DirgateError('ERR_BUSY', 'no DSML session is available', { reason: 'dsml-sessions-exhausted' });
    }
    let mine = 0;
    for (const s of this.sessions.values()) if (s.owner.principal === owner.principal) mine++;
    if (mine >= this.options.maxSessionsPerPrincipal) {
      throw new DirgateError('ERR_BUSY', 'no DSML session is available', { reason: 'dsml-sessions-per-caller-exhausted' });
    }
    const at = this.now();
    const session: DsmlSession = { id: randomBytes(18).toString('base64url'), owner, createdAt: at, lastUsed: at, cookies: new Map() };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The caller's live session, its idle clock restarted; throws ERR_MALFORMED_REQUEST (a Bad Session fault) otherwise. */
  use(id: string, owner: SessionOwner): DsmlSession {
    const s = this.sessions.get(id);
    const at = this.now();
    if (!s) throw badSession();
    if (this.expired(s, at)) {
      this.sessions.delete(id);
      throw badSession();
    }
    if (s.owner.principal !== owner.principal || (this.options.matchClientIp && s.owner.clientIp !== owner.clientIp)) throw badSession();
    s.lastUsed = at;
    return s;
  }

  end(id: string): void {
    this.sessions.delete(id);
  }

  /** Keeps a directory cookie and returns the handle the client gets instead. */
  keepCookie(session: DsmlSession, cookie: Buffer): Buffer {
    const handle = randomBytes(16);
    session.cookies.set(handle.toString('base64'), Buffer.from(cookie));
    while (session.cookies.size > this.options.maxCookiesPerSession) {
      session.cookies.delete(session.cookies.keys().next().value!);
    }
    return handle;
  }

  /** The directory cookie behind a handle; a handle is good for one continuation. */
  takeCookie(session: DsmlSession, handle: Buffer): Buffer | undefined {
    const key = handle.toString('base64');
    const cookie = session.cookies.get(key);
    session.cookies.delete(key);
    return cookie;
  }
}
