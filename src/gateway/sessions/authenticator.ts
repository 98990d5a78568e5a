/**
 * Who is calling the gateway (DESIGN section 3, "Who is calling"):
 *
 *   step                  | anonymous | Basic user:password | Bearer JWT | certificate | Basic sessionId:token
 *   ----------------------+-----------+---------------------+------------+-------------+----------------------
 *   X-Dirgate-App known   |    yes    |         yes         |    yes     |     yes     |         yes
 *   application secret /  |    yes    |         yes         |    yes     |     yes     |         yes
 *   certificate           |           |                     |            |             |
 *   method allowed by app |     -     |      password       |    jwt     | certificate |          -
 *   primary login checks  |     -     |  primary-login.ts   |     "      |      "      |          -
 *   validateSession hook  |     -     |          -          |     -      |      -      |  yes (MFA pending ok)
 *
 * The principal handed to the routes carries the user's DN only where the
 * caller may act on the virtual directory: a fully authenticated session, or
 * a user name and password on an application with `userCredentialsOnDsml`.
 * Everything else (login credentials, a session still owing MFA) carries no
 * DN, so any part of the gateway that forgets to look at the caller state
 * treats it as anonymous. The state itself is attached to the principal
 * (caller-state.ts) for the subtree, the view guard and the payload crypto.
 */
import { DirgateError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { ScriptRuntime } from '../../scripts/runtime.js';
import { AppSecretVerifier } from '../../firewall/app-secret.js';
import { normalizeDn as normalizeFirewallDn, sameDn } from '../../firewall/dn.js';
import type { Principal } from '../../directory/model.js';
import type { AuthenticatedCaller, CallerAuthenticator, GatewayRequest } from '../caller.js';
import type { Application, ApplicationRegistry, AuthMethod } from './applications.js';
import { attachState, type CallerState, type GatewaySession } from './caller-state.js';
import { readAuthorization } from './credentials.js';
import type { PrimaryIdentity, PrimaryLogin } from './primary-login.js';

export const SESSION_TOKEN_HEADER = 'X-Dirgate-Session-Token';

export interface SessionAuthenticatorDeps {
  applications: ApplicationRegistry;
  primary: PrimaryLogin;
  scripts: ScriptRuntime;
  log: Logger;
  /** How long a verified application secret is remembered (default 60 s). */
  appSecretCacheSeconds?: number;
}

function fail(reason: string): DirgateError {
  return new DirgateError('ERR_AUTHENTICATION_FAILED', 'authentication failed', { reason });
}

function header(req: GatewayRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export class SessionAuthenticator implements CallerAuthenticator {
  readonly #d: SessionAuthenticatorDeps;
  readonly #secrets: AppSecretVerifier;

  constructor(deps: SessionAuthenticatorDeps) {
    this.#d = deps;
    this.#secrets = new AppSecretVerifier(deps.appSecretCacheSeconds ?? 60);
  }

  async authenticate(req: GatewayRequest): Promise<AuthenticatedCaller> {
    const appId = header(req, 'x-dirgate-app');
    const app = this.#d.applications.get(appId);
    if (!app) {
      this.#d.log.info('caller refused', { reason: appId ? 'app-unknown' : 'app-missing' });
      throw new DirgateError('ERR_UNKNOWN_APPLICATION', 'unknown application', { reason: appId ? 'app-unknown' : 'app-missing' });
    }
    let method: string = 'none';
    try {
      await this.#authenticateApplication(app, req);
      const presented = readAuthorization(req.headers.authorization);
      method = presented.kind;
      switch (presented.kind) {
        case 'session':
          return await this.#session(app, presented.sessionId, presented.token, req);
        case 'password':
          this.#allow(app, 'password');
          return this.#primary(app, 'password', await this.#d.primary.password(presented.user, presented.password, req.requestId), req, presented.password);
        case 'bearer':
          this.#allow(app, 'jwt');
          return this.#primary(app, 'jwt', await this.#d.primary.jwt(presented.token), req);
        case 'malformed':
          throw fail('credentials-malformed');
        case 'none':
          if (req.clientCertSubject && app.authMethods.includes('certificate') && !this.#isApplicationCertificate(app, req.clientCertSubject)) {
            method = 'certificate';
            return this.#primary(app, 'certificate', await this.#d.primary.certificate(req.clientCertSubject), req);
          }
          return this.#caller({ kind: 'anonymous', app }, { appId: app.id }, req, { anonymous: true });
      }
    } catch (err) {
      if (err instanceof DirgateError && (err.code === 'ERR_AUTHENTICATION_FAILED' || err.code === 'ERR_ACCOUNT_LOCKED')) {
        this.#d.log.info('caller refused', { reason: err.reason, app: app.id, method });
      }
      throw err;
    }
  }

  /** The application's own proof: a secret, a certificate, or both where both are configured. */
  async #authenticateApplication(app: Application, req: GatewayRequest): Promise<void> {
    const vouched = new Set((req.appAuth ?? '').split('+').filter(Boolean));
    if (app.secretHash && !vouched.has('secret')) {
      const ok = await this.#secrets.verify(app.id, app.secretHash, header(req, 'x-dirgate-app-secret'));
      if (!ok) throw fail('app-secret-invalid');
    }
    if (app.clientCertificateSubject && !vouched.has('certificate')) {
      if (!req.clientCertSubject || !this.#isApplicationCertificate(app, req.clientCertSubject)) throw fail('app-cert-mismatch');
    }
  }

  #isApplicationCertificate(app: Application, subject: string): boolean {
    if (!app.clientCertificateSubject) return false;
    const a = normalizeFirewallDn(subject);
    const b = normalizeFirewallDn(app.clientCertificateSubject);
    return a !== undefined && b !== undefined && sameDn(a, b);
  }

  #allow(app: Application, method: AuthMethod): void {
    if (!app.authMethods.includes(method)) throw fail('auth-method-not-allowed');
  }

  #primary(app: Application, method: AuthMethod, id: PrimaryIdentity, req: GatewayRequest, password?: string): AuthenticatedCaller {
    // Only an application that lets DSML clients work with the user's own credentials lets them past login.
    const actsAsUser = method === 'password' && app.userCredentialsOnDsml;
    const principal: Principal = actsAsUser ? { dn: id.user.dn, password: password!, appId: app.id } : { appId: app.id };
    return this.#caller({ kind: 'primary', app, method, loginName: id.loginName, user: id.user }, principal, req, { anonymous: false });
  }

  async #session(app: Application, sessionId: string, token: string, req: GatewayRequest): Promise<AuthenticatedCaller> {
    const validated = await this.#d.scripts.run('validateSession', { sessionId, token, app: app.id, allowPendingMfa: true }, { requestId: req.requestId });
    const session = validated.session as GatewaySession;
    const current = validated.renewedToken ?? token;
    const principal: Principal = session.mfa.state === 'complete' ? { dn: session.user, appId: app.id } : { appId: app.id };
    return this.#caller({ kind: 'session', app, session, token: current }, principal, req, {
      anonymous: false,
      sessionId: session.id,
      headers: validated.renewedToken ? { [SESSION_TOKEN_HEADER]: validated.renewedToken } : {},
    });
  }

  #caller(
    state: CallerState, principal: Principal, req: GatewayRequest,
    extra: { anonymous: boolean; sessionId?: string; headers?: Record<string, string> },
  ): AuthenticatedCaller {
    attachState(principal, state);
    return {
      ctx: { requestId: req.requestId, principal },
      anonymous: extra.anonymous,
      headers: extra.headers ?? {},
      ...(extra.sessionId ? { sessionId: extra.sessionId } : {}),
      encryptionRequired: state.app.encryption === 'required',
    };
  }
}
