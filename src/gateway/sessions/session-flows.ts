/**
 * The session's life as the gateway drives it, each step through its
 * interception hook:
 *
 *   step            | hook              | then
 *   ----------------+-------------------+------------------------------------------------
 *   login           | createSession     | MFA none: issue the key (below)
 *   issue the key   | getEncryptionKey  | wrap the session's content key once (payload-keys)
 *   answer MFA      | (MfaStore.check)  | mark complete, issue the key
 *   logoff          | logoff            | forget the cached payload key
 *
 * A login whose key cannot be issued (key server down) ends the session it
 * just made, so no half-made session is left behind.
 */
import type { Logger } from '../../log.js';
import type { ScriptRuntime } from '../../scripts/runtime.js';
import type { LockoutStore } from '../../sessions/lockout.js';
import type { MfaStore } from '../../sessions/mfa.js';
import type { EndReason, SessionStore } from '../../sessions/store.js';
import { DirgateError } from '../../errors.js';
import { scriptPolicy } from './applications.js';
import type { CallerState, GatewaySession } from './caller-state.js';
import type { PayloadKeys } from './payload-keys.js';
import { textAttributes } from './users.js';

export interface SessionFlowsDeps {
  scripts: ScriptRuntime;
  sessions: SessionStore;
  mfa: MfaStore;
  lockout: LockoutStore;
  payloadKeys: PayloadKeys;
  log: Logger;
}

export class SessionFlows {
  constructor(private readonly d: SessionFlowsDeps) {}

  /** Creates a session for primary credentials; its first token and, unless MFA is owed, its key. */
  async login(state: Extract<CallerState, { kind: 'primary' }>, requestId: string): Promise<{ session: GatewaySession; token: string }> {
    const { session, token } = await this.d.scripts.run('createSession', {
      user: { dn: state.user.dn, loginName: state.loginName, attributes: textAttributes(state.user) },
      app: scriptPolicy(state.app),
      authMethod: state.method,
    }, { requestId });
    if (session.mfa.state !== 'complete') return { session, token };
    try {
      return { session: await this.issueKey(session, requestId), token };
    } catch (err) {
      await this.d.sessions.end(session.id, 'logoff').catch(() => false);
      throw err;
    }
  }

  /** Asks for the client's key (getEncryptionKey) and wraps the session's content key to it. */
  async issueKey(session: GatewaySession, requestId: string): Promise<GatewaySession> {
    const key = await this.d.scripts.run('getEncryptionKey', { session }, { requestId });
    return this.d.payloadKeys.establish(session, key.identity, key.key, key.expiresAt);
  }

  /**
   * Checks a TOTP (or recovery) code for the session's user; on success the
   * session is complete and has its key. Wrong codes count toward lock-out
   * under the user's DN.
   */
  async answerTotp(session: GatewaySession, code: string, requestId: string): Promise<GatewaySession> {
    if (session.mfa.state === 'complete') {
      throw new DirgateError('ERR_UNWILLING_TO_PERFORM', 'no authentication query is outstanding', { reason: 'mfa-not-pending' });
    }
    await this.assertNotLocked(session.user);
    const check = await this.d.mfa.check(session.user, code);
    if (!check.ok) {
      if (check.reason === 'mfa-not-enrolled') {
        throw new DirgateError('ERR_UNWILLING_TO_PERFORM', 'no verified TOTP enrolment: enrol under cn=mfa,ou=self,o=gateway first', { reason: 'mfa-not-enrolled' });
      }
      await this.recordMfaFailure(session.user);
      throw new DirgateError('ERR_AUTHENTICATION_FAILED', 'authentication failed', { reason: check.reason });
    }
    this.d.log.info('mfa answered', { event: 'mfa-answered', sessionId: session.id, method: check.method });
    return this.complete(session, requestId);
  }

  /** MFA failures are counted under the user's DN (primary ones under the login name). */
  assertNotLocked(user: string): Promise<void> {
    return this.d.lockout.assertNotLocked(user);
  }

  async recordMfaFailure(user: string): Promise<void> {
    await this.d.lockout.recordFailure(user);
  }

  /** Marks the session's MFA complete (an answered query or a verified enrolment) and issues its key. */
  async complete(session: GatewaySession, requestId: string): Promise<GatewaySession> {
    const done = await this.d.sessions.completeMfa(session.id);
    if (!done) throw new DirgateError('ERR_AUTHENTICATION_FAILED', 'authentication failed', { reason: 'session-unknown' });
    return (done as GatewaySession).payload ? done : this.issueKey(done, requestId);
  }

  /** Common logoff through the logoff hook; true when this call ended the session. */
  async logoff(sessionId: string, reason: EndReason, requestId: string): Promise<boolean> {
    const { ended } = await this.d.scripts.run('logoff', { sessionId, reason }, { requestId });
    this.d.payloadKeys.forget(sessionId);
    return ended;
  }
}
