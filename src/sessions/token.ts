/**
 * The session token: an OpenToken carrying the draft's standard keys
 * (`subject`, `not-before`, `not-on-or-after`, `renew-until`) plus dirgate's
 * `sessionId` and `app`, and whatever claims an interception script adds.
 * PingFederate's adapter reads `subject` as the user; dirgate puts the user's
 * DN there.
 */
import { LRUCache } from 'lru-cache';
import { DirgateError } from '../errors.js';
import type { OpenTokenCodec, OpenTokenPairs } from './opentoken.js';
import { tokenInvalid } from './opentoken.js';

export interface SessionTokenClaims {
  subject: string;
  sessionId: string;
  app: string;
  notBefore: Date;
  notOnOrAfter: Date;
  renewUntil: Date;
  /** Further keys (a script's claims), each with its values. */
  extra: Map<string, string[]>;
}

const RESERVED = new Set(['subject', 'sessionId', 'app', 'not-before', 'not-on-or-after', 'renew-until']);

/** The draft's time form: `yyyy-MM-ddTHH:mm:ssZ`, UTC, whole seconds. */
export function formatOtkTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

const OTK_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
function parseOtkTime(value: string | undefined): Date | undefined {
  if (!value || !OTK_TIME.test(value)) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export function claimsToPairs(claims: SessionTokenClaims): OpenTokenPairs {
  const pairs: OpenTokenPairs = new Map([
    ['subject', [claims.subject]],
    ['sessionId', [claims.sessionId]],
    ['app', [claims.app]],
    ['not-before', [formatOtkTime(claims.notBefore)]],
    ['not-on-or-after', [formatOtkTime(claims.notOnOrAfter)]],
    ['renew-until', [formatOtkTime(claims.renewUntil)]],
  ]);
  for (const [k, v] of claims.extra) {
    if (RESERVED.has(k)) throw new DirgateError('ERR_INTERNAL', `claim "${k}" is reserved for the session token`);
    pairs.set(k, [...v]);
  }
  return pairs;
}

/** Reads the claims of an authenticated payload; a payload without them is as invalid as a forged one. */
export function pairsToClaims(pairs: OpenTokenPairs): SessionTokenClaims {
  const one = (k: string): string | undefined => {
    const v = pairs.get(k);
    return v && v.length === 1 ? v[0] : undefined;
  };
  const subject = one('subject');
  const sessionId = one('sessionId');
  const app = one('app');
  const notBefore = parseOtkTime(one('not-before'));
  const notOnOrAfter = parseOtkTime(one('not-on-or-after'));
  const renewUntil = parseOtkTime(one('renew-until'));
  if (!subject || !sessionId || !app || !notBefore || !notOnOrAfter || !renewUntil) throw tokenInvalid();
  const extra = new Map<string, string[]>();
  for (const [k, v] of pairs) if (!RESERVED.has(k)) extra.set(k, v);
  return { subject, sessionId, app, notBefore, notOnOrAfter, renewUntil, extra };
}

export function encodeSessionToken(codec: OpenTokenCodec, claims: SessionTokenClaims): string {
  return codec.encode(claimsToPairs(claims));
}

/**
 * Tokens whose decryption, inflation and HMAC already passed, by the token's
 * text, per codec (a codec is one key). A session presents the same token on
 * every request until it is renewed, and that check was the largest single
 * cost of a cached request. Only authentic tokens are kept, so a forged one
 * pays the full check every time; the time checks below run on every use.
 */
const verified = new WeakMap<OpenTokenCodec, LRUCache<string, SessionTokenClaims>>();
const VERIFIED_TOKENS_KEPT = 10_000;

function verifiedClaims(codec: OpenTokenCodec, token: string): SessionTokenClaims {
  let known = verified.get(codec);
  if (!known) verified.set(codec, (known = new LRUCache({ max: VERIFIED_TOKENS_KEPT })));
  let claims = known.get(token);
  if (!claims) {
    claims = pairsToClaims(codec.decode(token));
    known.set(token, claims);
  }
  // Callers get their own copy: the cached one must not change under the next request.
  return {
    ...claims,
    notBefore: new Date(claims.notBefore), notOnOrAfter: new Date(claims.notOnOrAfter), renewUntil: new Date(claims.renewUntil),
    extra: new Map(claims.extra),
  };
}

/** Decodes and checks the token's own times; the stored session is checked elsewhere. */
export function decodeSessionToken(codec: OpenTokenCodec, token: string, now: Date, toleranceSeconds = 0): SessionTokenClaims {
  const claims = verifiedClaims(codec, token);
  const t = now.getTime();
  const slack = toleranceSeconds * 1000;
  if (claims.notBefore.getTime() - slack > t) {
    throw new DirgateError('ERR_AUTHENTICATION_FAILED', 'authentication failed', { reason: 'token-not-yet-valid' });
  }
  if (t >= claims.notOnOrAfter.getTime() + slack || t >= claims.renewUntil.getTime() + slack) {
    throw new DirgateError('ERR_AUTHENTICATION_FAILED', 'authentication failed', { reason: 'token-expired' });
  }
  return claims;
}
