/**
 * The IBE identity string: what a session's key is extracted for and what
 * payloads are encrypted to. It names the application and the session, adds a
 * per-session secret (so an identity cannot be guessed from a session id, and a
 * new session never reuses an old identity) and ends with the expiry, so the key
 * server reads the validity period out of the identity itself:
 *
 *   dirgate:v1:<app>:<sessionId>:<secret, base64url>:<expiresAt, Unix seconds>
 *
 * Every part is restricted to characters that cannot contain the separator, so
 * parsing is unambiguous and the string is safe in XML text and HTTP headers.
 */
import { randomBytes } from 'node:crypto';
import { DirgateError } from '../errors.js';

export const IDENTITY_PREFIX = 'dirgate:v1';

const APP = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const SESSION_ID = /^[A-Za-z0-9._~-]{1,128}$/;
// 16 to 64 bytes of secret, unpadded base64url.
const SECRET = /^[A-Za-z0-9_-]{22,86}$/;
const EXPIRES = /^[1-9][0-9]{0,11}$/;
const MAX_IDENTITY_LENGTH = 512;

export interface IbeIdentity {
  app: string;
  sessionId: string;
  /** Per-session secret, base64url without padding. */
  secret: string;
  /** Unix seconds after which no key is extracted for this identity. */
  expiresAt: number;
}

function malformed(why: string): DirgateError {
  return new DirgateError('ERR_MALFORMED_REQUEST', `malformed IBE identity: ${why}`, { reason: 'ibe-identity-malformed' });
}

/** A fresh per-session secret: 32 random bytes, base64url. */
export function newIdentitySecret(): string {
  return randomBytes(32).toString('base64url');
}

export function buildIdentity(parts: { app: string; sessionId: string; secret?: string; expiresAt: number }): string {
  const secret = parts.secret ?? newIdentitySecret();
  if (!APP.test(parts.app)) throw malformed('application id');
  if (!SESSION_ID.test(parts.sessionId)) throw malformed('session id');
  if (!SECRET.test(secret)) throw malformed('secret');
  if (!Number.isSafeInteger(parts.expiresAt) || !EXPIRES.test(String(parts.expiresAt))) throw malformed('expiry');
  return `${IDENTITY_PREFIX}:${parts.app}:${parts.sessionId}:${secret}:${parts.expiresAt}`;
}

export function parseIdentity(identity: string): IbeIdentity {
  if (typeof identity !== 'string' || identity.length > MAX_IDENTITY_LENGTH) throw malformed('length');
  const parts = identity.split(':');
  if (parts.length !== 6 || `${parts[0]}:${parts[1]}` !== IDENTITY_PREFIX) throw malformed('layout');
  const [, , app, sessionId, secret, expires] = parts as [string, string, string, string, string, string];
  if (!APP.test(app)) throw malformed('application id');
  if (!SESSION_ID.test(sessionId)) throw malformed('session id');
  if (!SECRET.test(secret)) throw malformed('secret');
  if (!EXPIRES.test(expires)) throw malformed('expiry');
  return { app, sessionId, secret, expiresAt: Number(expires) };
}

/** True once the identity's expiry has passed (at `now`, Unix milliseconds). */
export function identityExpired(identity: IbeIdentity, now: number = Date.now()): boolean {
  return now >= identity.expiresAt * 1000;
}
