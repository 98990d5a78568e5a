/**
 * What the caller presented in `Authorization`, read without verifying
 * anything: session credentials (`Basic sessionId:sessionToken`), a user name
 * and password (`Basic user:password`), a Bearer JWT, or nothing. A Basic pair
 * is a session only when the user part has the form of a session id and the
 * password part is an OpenToken (its binary form starts with `OTK` and version
 * 1, base64 `T1RLAQ`); anything else is a login name and password.
 */
import { isSessionId } from '../../sessions/store.js';

export type Presented =
  | { kind: 'none' }
  | { kind: 'session'; sessionId: string; token: string }
  | { kind: 'password'; user: string; password: string }
  | { kind: 'bearer'; token: string }
  | { kind: 'malformed' };

const OPENTOKEN_PREFIX = 'T1RLAQ';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MAX_HEADER = 16 * 1024;

export function readAuthorization(header: string | string[] | undefined): Presented {
  if (header === undefined) return { kind: 'none' };
  if (Array.isArray(header) || header.length > MAX_HEADER) return { kind: 'malformed' };
  const match = /^\s*([A-Za-z]+)\s+(\S+)\s*$/.exec(header);
  if (!match) return header.trim() === '' ? { kind: 'none' } : { kind: 'malformed' };
  const scheme = match[1]!.toLowerCase();
  const value = match[2]!;
  if (scheme === 'bearer') return { kind: 'bearer', token: value };
  if (scheme !== 'basic' || !BASE64.test(value) || value.length % 4 !== 0) return { kind: 'malformed' };
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return { kind: 'malformed' };
  const user = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  if (isSessionId(user) && secret.startsWith(OPENTOKEN_PREFIX)) return { kind: 'session', sessionId: user, token: secret };
  return { kind: 'password', user, password: secret };
}
