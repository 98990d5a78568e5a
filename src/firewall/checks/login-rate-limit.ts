/**
 * The stricter budget for login attempts, per user name and per client address.
 * A login attempt is a request that asks for a session (a DSML search of
 * `ou=sessions,o=gateway`, whatever the credentials), or that presents a
 * password: Basic credentials whose password is not a session token. Requests of
 * applications with userCredentialsOnDsml carry a password every time by design;
 * they count against the principal budget and the gateway's lock-out instead.
 */
import type { Check, RequestContext } from '../context.js';
import { normalizeDn, sameDn } from '../dn.js';

const SESSIONS = normalizeDn('ou=sessions,o=gateway')!;

function asksForSession(ctx: RequestContext): boolean {
  if (ctx.route!.kind !== 'dsml' || !ctx.xml) return false;
  return ctx.xml.operations.some((op) => {
    if (op.element !== 'searchRequest' || op.dn === undefined) return false;
    const dn = normalizeDn(op.dn);
    return dn !== undefined && sameDn(dn, SESSIONS);
  });
}

export function isLoginAttempt(ctx: RequestContext): boolean {
  if (asksForSession(ctx)) return true;
  return ctx.credentials.presentsPassword && !ctx.app?.policy.userCredentialsOnDsml;
}

export const loginRateLimit: Check = async (ctx, fw) => {
  if (!isLoginAttempt(ctx)) return;
  await fw.limits.take('loginPerIp', ctx.clientIp);
  if (ctx.credentials.principal !== undefined) await fw.limits.take('loginPerPrincipal', ctx.credentials.principal);
};
