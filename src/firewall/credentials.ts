/**
 * Who the user is, as far as rate limiting needs to know, read from the request
 * head without verifying anything (the gateway verifies): the principal is the
 * HTTP Basic user name (a user name at login, the session id afterwards), the
 * `sub` of a Bearer JWT, or the verified client-certificate subject.
 *
 * A request presents a password, and so counts as a login attempt, when its Basic
 * password is not a session token. Session tokens are OpenTokens, whose binary
 * form starts with the literal `OTK` and version 1: base64 `T1RLAQ`.
 */

export interface Credentials {
  kind: 'basic' | 'bearer' | 'certificate' | 'none';
  /** Rate-limit key; never a secret. */
  principal?: string;
  /** Basic credentials whose password is not a session token. */
  presentsPassword: boolean;
}

const OPENTOKEN_PREFIX = 'T1RLAQ';
const MAX_PRINCIPAL = 256;

function bearerSubject(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown };
    return typeof claims.sub === 'string' ? claims.sub : undefined;
  } catch {
    return undefined;
  }
}

export function readCredentials(authorization: string | undefined, certSubject: string | undefined): Credentials {
  const [scheme = '', value = ''] = (authorization ?? '').trim().split(/\s+/, 2);
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    const password = colon < 0 ? '' : decoded.slice(colon + 1);
    return { kind: 'basic', principal: user.slice(0, MAX_PRINCIPAL), presentsPassword: !password.startsWith(OPENTOKEN_PREFIX) };
  }
  if (/^bearer$/i.test(scheme)) {
    const sub = bearerSubject(value);
    return { kind: 'bearer', principal: `jwt:${(sub ?? '?').slice(0, MAX_PRINCIPAL)}`, presentsPassword: false };
  }
  if (certSubject) return { kind: 'certificate', principal: `cert:${certSubject.slice(0, MAX_PRINCIPAL)}`, presentsPassword: false };
  return { kind: 'none', presentsPassword: false };
}
