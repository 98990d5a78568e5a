/**
 * SSO hand-off (`GET /sso?target=URL`): the target must fall under one of the
 * configured prefixes, compared as parsed WHATWG URLs (scheme, host and port
 * exactly, path under the prefix's path after dot segments are resolved), and
 * the raw text must hold nothing a browser might read differently from us
 * (backslashes, control characters, white space, user info). The redirect
 * goes to the URL as we parsed it, never to the raw text. No open redirect.
 */
import { DirgateError } from '../errors.js';

export interface SsoCookieConfig {
  name: string;
  domain?: string;
  path: string;
  secure: boolean;
  httpOnly: boolean;
  sameSite: 'Strict' | 'Lax' | 'None';
}

function refused(why: string): DirgateError {
  return new DirgateError('ERR_MALFORMED_REQUEST', 'the SSO target is not allowed', { reason: 'sso-target-refused', cause: new Error(why) });
}

// eslint-disable-next-line no-control-regex
const UNSAFE_TEXT = /[\u0000-\u0020\u007f\\]|%5c|%00/i;

/** Problems with an allow-list entry (for the configuration checks). */
export function ssoPrefixProblem(prefix: string): string | undefined {
  let url: URL;
  try {
    url = new URL(prefix);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https (or http) URL';
  if (url.username || url.password) return 'must not contain user info';
  if (url.search || url.hash) return 'must not contain a query or fragment';
  if (!url.pathname.endsWith('/')) return 'must end with "/" so that it names a folder';
  if (url.href !== prefix) return `must be written in normal form: ${url.href}`;
  return undefined;
}

/** The target as a parsed URL when it is allowed; throws `sso-target-refused` otherwise. */
export function checkSsoTarget(target: unknown, prefixes: readonly string[]): URL {
  if (typeof target !== 'string' || target.length === 0 || target.length > 2048) throw refused('missing or too long');
  if (UNSAFE_TEXT.test(target)) throw refused('backslash, control character or white space');
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw refused('not an absolute URL');
  }
  if (url.username || url.password) throw refused('user info');
  for (const prefix of prefixes) {
    const allowed = new URL(prefix);
    if (url.protocol === allowed.protocol && url.hostname === allowed.hostname && url.port === allowed.port && url.pathname.startsWith(allowed.pathname)) {
      return url;
    }
  }
  throw refused('not under an allowed prefix');
}

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const COOKIE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;
const DOMAIN = /^\.?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** Problems with the cookie configuration (for the configuration checks). */
export function ssoCookieProblems(cookie: SsoCookieConfig): string[] {
  const problems: string[] = [];
  if (!COOKIE_NAME.test(cookie.name)) problems.push('name: is not a valid cookie name');
  if (cookie.domain !== undefined && !DOMAIN.test(cookie.domain)) problems.push('domain: is not a host name');
  if (cookie.sameSite === 'None' && !cookie.secure) problems.push('sameSite: "None" needs secure: true (browsers drop it otherwise)');
  return problems;
}

/** The Set-Cookie header value carrying the OpenToken; expires with the token. */
export function ssoSetCookie(token: string, cookie: SsoCookieConfig, maxAgeSeconds: number): string {
  if (!COOKIE_VALUE.test(token)) throw new DirgateError('ERR_INTERNAL', 'the token holds characters a cookie cannot');
  const parts = [`${cookie.name}=${token}`, `Path=${cookie.path}`, `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`];
  if (cookie.domain) parts.push(`Domain=${cookie.domain}`);
  if (cookie.secure) parts.push('Secure');
  if (cookie.httpOnly) parts.push('HttpOnly');
  parts.push(`SameSite=${cookie.sameSite}`);
  return parts.join('; ');
}
