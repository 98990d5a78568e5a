/**
 * GET /sso?target=URL: the SSO hand-off to web applications behind
 * PingFederate's OpenToken adapter. The pipeline, one step a line:
 *
 *   step                   | refusal
 *   -----------------------+-------------------------------------------------
 *   authenticate caller    | no credentials: 401 + WWW-Authenticate; wrong: 401
 *   session credentials    | anything else (login credentials, anonymous): 401
 *   MFA complete           | 401 (reason mfa-pending)
 *   target allow-listed    | 400 (reason sso-target-refused), never a redirect
 *   set cookie, redirect   | 302 to the URL as parsed, the session token as cookie
 *
 * The cookie carries the session's current token (an OpenToken), so it lives
 * as long as that token; the answer is never cached.
 */
import type { RequestHandler, Response } from 'express';
import { DirgateError, toDirgateError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { checkSsoTarget, ssoSetCookie, type SsoCookieConfig } from '../../sessions/sso.js';
import type { CallerAuthenticator } from '../caller.js';
import { stateOf } from '../sessions/caller-state.js';
import { gatewayRequest } from './dsml.js';

export interface SsoRouteDeps {
  authenticator: CallerAuthenticator;
  cookie: SsoCookieConfig;
  /** Allowed URL prefixes (opentoken.ssoTargets). */
  targets: readonly string[];
  log: Logger;
  clock?: () => number;
}

function answer(res: Response, status: number, text: string, challenge = false): void {
  res.set('Cache-Control', 'no-store');
  if (challenge) res.set('WWW-Authenticate', 'Basic realm="dirgate", charset="UTF-8"');
  res.status(status).type('text/plain').send(text);
}

export function ssoRoute(deps: SsoRouteDeps): RequestHandler {
  const clock = deps.clock ?? Date.now;
  return async (req, res) => {
    let caller;
    try {
      caller = await deps.authenticator.authenticate(gatewayRequest(req, res));
    } catch (err) {
      const e = toDirgateError(err);
      if (e.spec.http >= 500) throw e;
      deps.log.info('sso refused', { reason: e.reason });
      return answer(res, 401, 'authentication failed');
    }
    const state = stateOf(caller.ctx);
    if (caller.anonymous || state?.kind !== 'session') {
      deps.log.info('sso refused', { reason: caller.anonymous ? 'credentials-missing' : 'session-required' });
      return answer(res, 401, 'session credentials are required', true);
    }
    if (state.session.mfa.state !== 'complete') {
      deps.log.info('sso refused', { reason: 'mfa-pending', sessionId: state.session.id });
      return answer(res, 401, 'authentication failed');
    }
    let target: URL;
    try {
      target = checkSsoTarget(req.query.target, deps.targets);
    } catch (err) {
      const e = err instanceof DirgateError ? err : toDirgateError(err);
      deps.log.info('sso refused', { reason: e.reason, sessionId: state.session.id });
      return answer(res, 400, 'the SSO target is not allowed');
    }
    const maxAge = (state.session.token.notOnOrAfter - clock()) / 1000;
    res.set(caller.headers);
    res.set('Cache-Control', 'no-store');
    res.append('Set-Cookie', ssoSetCookie(state.token, deps.cookie, maxAge));
    deps.log.info('sso hand-off', { event: 'sso-handoff', sessionId: state.session.id, app: state.app.id, target: target.origin });
    res.redirect(302, target.href);
  };
}
