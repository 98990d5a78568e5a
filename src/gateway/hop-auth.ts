/**
 * The gateway's side of the authenticated hop: a request is served only if the
 * firewall signed it (src/firewall/hop-signature.ts says what is signed and why).
 * The signature is checked in constant time, then the timestamp window, then the
 * nonce against replays; anything else is refused with 403 and one audit line
 * (`hop-unsigned`, `hop-bad-signature`, `hop-stale`, `hop-replayed`).
 *
 * `hopAuth()` is Express-compatible middleware. Mount it before any body parser:
 * it reads the body itself (the signature covers it), leaves it as a Buffer in
 * `req.body` (body parsers then see a finished request and skip it) and puts the
 * identity the firewall vouched for in `req.dirgateHop` and `res.locals.dirgateHop`.
 * `verifyHop()` is the same check as a plain function.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { LRUCache } from 'lru-cache';
import { DirgateError } from '../errors.js';
import type { Logger } from '../log.js';
import type { AuditEvent, AuditSink } from '../firewall/audit.js';
import { HOP_HEADERS, IDENTITY_HEADERS, hopSignature, signaturesMatch } from '../firewall/hop-signature.js';
import type { Reason } from '../firewall/reasons.js';

/** `hop-unsigned`, `hop-bad-signature`, `hop-stale`, `hop-replayed` (documented in src/firewall/reasons.ts). */
export type HopRefusalReason = Extract<Reason, `hop-${string}`>;

/** What the firewall vouches for, from the signed headers. */
export interface HopIdentity {
  requestId: string;
  clientIp: string;
  clientCertSubject?: string;
  clientCertFingerprint?: string;
  /** How the firewall authenticated the application (`secret`, `certificate`, `secret+certificate`, `none`). */
  appAuth?: string;
}

export type HopResult = { ok: true; identity: HopIdentity } | { ok: false; reason: HopRefusalReason };

export interface HopRequest {
  method: string;
  /** Path and query as on the request line. */
  path: string;
  headers: IncomingHttpHeaders;
  body: Uint8Array;
}

export interface HopVerifyOptions {
  secret: string;
  /** Accepted distance between the signed timestamp and now, either way. Default 30 s. */
  windowMs?: number;
  now?: () => number;
}

export const DEFAULT_HOP_WINDOW_MS = 30_000;
/** As schemas/config/gateway.schema.json requires of gateway.hopSecret. */
const MIN_SECRET_LENGTH = 16;

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** A verifier with its own replay memory (nonces seen within twice the window). */
export function createHopVerifier(options: HopVerifyOptions): (request: HopRequest) => HopResult {
  // An empty or short key would let anyone sign: refuse to start rather than verify nothing.
  if (typeof options.secret !== 'string' || options.secret.length < MIN_SECRET_LENGTH) {
    throw new DirgateError('ERR_CONFIG_INVALID', `gateway.hopSecret must be set (at least ${MIN_SECRET_LENGTH} characters) for the gateway to accept the firewall's requests`);
  }
  const windowMs = options.windowMs ?? DEFAULT_HOP_WINDOW_MS;
  const now = options.now ?? Date.now;
  const seen = new LRUCache<string, true>({ max: 200_000, ttl: 2 * windowMs, ttlAutopurge: false });
  return (request) => {
    const h = request.headers;
    const signature = single(h[HOP_HEADERS.signature]);
    const timestamp = single(h[HOP_HEADERS.timestamp]);
    const nonce = single(h[HOP_HEADERS.nonce]);
    if (!signature || !timestamp || !nonce) return { ok: false, reason: 'hop-unsigned' };
    const expected = hopSignature(options.secret, {
      method: request.method,
      path: request.path,
      timestamp,
      nonce,
      body: request.body,
      header: (name) => single(h[name]),
    });
    if (!signaturesMatch(signature, expected)) return { ok: false, reason: 'hop-bad-signature' };
    const signedAt = /^\d{1,16}$/.test(timestamp) ? Number(timestamp) : NaN;
    if (!(Math.abs(now() - signedAt) <= windowMs)) return { ok: false, reason: 'hop-stale' };
    if (seen.has(nonce)) return { ok: false, reason: 'hop-replayed' };
    seen.set(nonce, true);
    return {
      ok: true,
      identity: {
        requestId: single(h[IDENTITY_HEADERS.requestId]) ?? '',
        clientIp: single(h[IDENTITY_HEADERS.clientIp]) ?? '',
        clientCertSubject: single(h[IDENTITY_HEADERS.clientCertSubject]) || undefined,
        clientCertFingerprint: single(h[IDENTITY_HEADERS.clientCertFingerprint]) || undefined,
        appAuth: single(h[IDENTITY_HEADERS.appAuth]) || undefined,
      },
    };
  };
}

/** One-off check (no replay memory across calls): prefer createHopVerifier in a server. */
export function verifyHop(request: HopRequest, options: HopVerifyOptions): HopResult {
  return createHopVerifier(options)(request);
}

export interface HopAuthOptions extends HopVerifyOptions {
  /** Largest body read (the firewall's cap or more). Default 8 MiB. */
  maxBodyBytes?: number;
  audit?: AuditSink;
  log?: Logger;
}

type HopReq = IncomingMessage & { body?: unknown; originalUrl?: string; dirgateHop?: HopIdentity };
type HopRes = ServerResponse & { locals?: Record<string, unknown> };

function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.removeAllListeners('data');
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

function refuse(res: HopRes, status: number): void {
  res.statusCode = status;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.setHeader('connection', 'close');
  res.end(status === 413 ? 'payload too large\n' : 'forbidden\n');
}

export function hopAuth(options: HopAuthOptions): (req: HopReq, res: HopRes, next: (err?: unknown) => void) => void {
  const verify = createHopVerifier(options);
  const max = options.maxBodyBytes ?? 8 * 1024 * 1024;
  return (req, res, next) => {
    const started = Date.now();
    const path = req.originalUrl ?? req.url ?? '/';
    readBody(req, max).then((body) => {
      if (!body) return refuse(res, 413);
      const result = verify({ method: req.method ?? 'GET', path, headers: req.headers, body });
      if (!result.ok) {
        options.log?.warn('request refused: not signed by the firewall', { reason: result.reason, path: path.split('?')[0] });
        options.audit?.write(hopAuditEvent(req, path, result.reason, started));
        return refuse(res, 403);
      }
      req.body = body;
      req.dirgateHop = result.identity;
      if (res.locals) res.locals.dirgateHop = result.identity;
      next();
    }, next);
  };
}

function hopAuditEvent(req: IncomingMessage, path: string, reason: HopRefusalReason, started: number): AuditEvent {
  return {
    time: new Date().toISOString(),
    requestId: single(req.headers[IDENTITY_HEADERS.requestId]) ?? '',
    clientIp: req.socket.remoteAddress ?? '',
    app: null,
    principal: null,
    method: req.method ?? '',
    endpoint: path.split('?')[0] ?? '',
    operation: null,
    dn: null,
    decision: 'deny',
    reason,
    status: 403,
    durationMs: Date.now() - started,
  };
}
