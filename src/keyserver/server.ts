/**
 * The IBE master key server: an HTTPS service for the gateway only.
 *
 *   route               who                          does
 *   GET  /v1/params     anyone                       master public key, suite, DST
 *   GET  /healthz       anyone                       liveness
 *   POST /v1/extract    client certificate (mTLS)    identity key for an unexpired, unrevoked identity
 *   POST /v1/revoke     client certificate (mTLS)    records the identity as revoked
 *
 * Callers authenticate with a client certificate issued by the configured CA
 * whose subject CN is in `keyserver.clients`: no certificate is 401, a
 * certificate of another name is 403. Refusals are JSON `{ error, message }`
 * with a stable kebab-case `error`. Nothing secret is logged: neither the
 * master secret nor keys, nor identities (they embed a per-session secret),
 * only the application and a hash prefix of the identity.
 */
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Config } from '../config/types.js';
import { DirgateError } from '../errors.js';
import { DIRGATE_IBE_DST, IBE_SUITE } from '../ibe/constants.js';
import { identityExpired, parseIdentity, type IbeIdentity } from '../ibe/identity.js';
import { loadIbe } from '../ibe/ibe.js';
import { createIbePool, type IbePool } from '../ibe/pool.js';
import { withRequestId, type Logger } from '../log.js';
import { closeServer, listen } from '../util/listen.js';
import { loadOrCreateMasterKey } from './master-key.js';
import { identityHash, type RevocationStore } from './revocations.js';
import { keyServerSettings, type KeyServerSettings } from './settings.js';

export interface KeyServerOptions {
  dataDir: string;
  log: Logger;
  revocations: RevocationStore & { purgeExpired?(): Promise<number> };
  /** PEM: the server's certificate and key, and the CA whose client certificates are accepted. */
  tls: { cert: string; key: string; ca: string };
  clock?: () => number;
  /** A pairing pool to share; by default one is made from `keyserver.ibe` and closed with the server. */
  pool?: IbePool;
}

export interface KeyServer {
  url: string;
  port: number;
  masterPublicKey: Uint8Array;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 8 * 1024;

class Refusal extends Error {
  constructor(readonly status: number, readonly error: string, message: string) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new Refusal(415, 'unsupported-media-type', 'send application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Refusal(413, 'body-too-large', `the body is limited to ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new Refusal(400, 'malformed-json', 'the body is not JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Refusal(400, 'malformed-request', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

function readIdentity(body: Record<string, unknown>): { identity: string; parsed: IbeIdentity } {
  if (typeof body.identity !== 'string') throw new Refusal(400, 'identity-missing', 'identity is required');
  try {
    return { identity: body.identity, parsed: parseIdentity(body.identity) };
  } catch (err) {
    if (err instanceof DirgateError) throw new Refusal(400, 'identity-malformed', 'identity is not a dirgate IBE identity');
    throw err;
  }
}

/** The caller's client-certificate name when TLS verified it against the CA, else undefined. */
function clientName(req: IncomingMessage): string | undefined {
  const socket = req.socket as TLSSocket;
  if (!socket.authorized) return undefined;
  const cn = socket.getPeerCertificate().subject?.CN;
  return typeof cn === 'string' ? cn : Array.isArray(cn) ? cn[0] : undefined;
}

function isConfig(value: KeyServerSettings | Pick<Config, 'keyserver'>): value is Pick<Config, 'keyserver'> {
  return 'keyserver' in value;
}

export async function startKeyServer(
  configuration: KeyServerSettings | Pick<Config, 'keyserver'>,
  options: KeyServerOptions,
): Promise<KeyServer> {
  const settings = isConfig(configuration) ? keyServerSettings(configuration) : configuration;
  const { log, revocations } = options;
  const clock = options.clock ?? Date.now;
  const ibe = await loadIbe(settings.ibe.backend);
  const master = await loadOrCreateMasterKey(options.dataDir, settings.kek, ibe);
  const masterPublicKey = Buffer.from(master.masterPublicKey).toString('base64');
  const ownPool = !options.pool;
  const pool = options.pool ?? createIbePool({ backend: settings.ibe.backend, size: settings.ibe.workers });
  const allowedClients = new Set(settings.clients);

  function authenticate(req: IncomingMessage): string {
    const name = clientName(req);
    if (name === undefined) throw new Refusal(401, 'client-certificate-required', 'a client certificate from the key server\'s CA is required');
    if (!allowedClients.has(name)) throw new Refusal(403, 'client-not-allowed', 'this client certificate may not use the key server');
    return name;
  }

  async function extract(req: IncomingMessage, res: ServerResponse): Promise<Record<string, unknown>> {
    const client = authenticate(req);
    const body = await readJson(req);
    const { identity, parsed } = readIdentity(body);
    const audit = { client, app: parsed.app, identityHash: identityHash(identity).slice(0, 16) };
    if (body.expiresAt !== undefined && body.expiresAt !== parsed.expiresAt) {
      throw new Refusal(400, 'expiry-mismatch', 'expiresAt differs from the expiry inside the identity');
    }
    const now = clock();
    if (identityExpired(parsed, now)) throw Object.assign(new Refusal(403, 'identity-expired', 'the identity has expired'), { audit });
    if (parsed.expiresAt * 1000 - now > settings.maxIdentityLifetimeSeconds * 1000) {
      throw Object.assign(new Refusal(403, 'identity-lifetime-too-long', 'the identity\'s expiry lies too far ahead'), { audit });
    }
    if (await revocations.isRevoked(identity)) throw Object.assign(new Refusal(403, 'identity-revoked', 'the identity has been revoked'), { audit });
    const key = await pool.extract(master.masterSecret, identity);
    send(res, 200, { key: Buffer.from(key).toString('base64'), expiresAt: parsed.expiresAt });
    return audit;
  }

  async function revoke(req: IncomingMessage, res: ServerResponse): Promise<Record<string, unknown>> {
    const client = authenticate(req);
    const { identity, parsed } = readIdentity(await readJson(req));
    // An expired identity is refused by its expiry already; recording it would only add work for the purge.
    if (!identityExpired(parsed, clock())) await revocations.revoke(identity, parsed.expiresAt);
    send(res, 200, { revoked: true });
    return { client, app: parsed.app, identityHash: identityHash(identity).slice(0, 16) };
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<Record<string, unknown> | undefined> {
    const path = (req.url ?? '/').split('?')[0];
    const key = `${req.method} ${path}`;
    switch (key) {
      case 'GET /v1/params':
        send(res, 200, { suite: IBE_SUITE, masterPublicKey, dst: DIRGATE_IBE_DST });
        return undefined;
      case 'GET /healthz':
        send(res, 200, { status: 'ok' });
        return undefined;
      case 'POST /v1/extract':
        return extract(req, res);
      case 'POST /v1/revoke':
        return revoke(req, res);
      default:
        if (['/v1/params', '/healthz', '/v1/extract', '/v1/revoke'].includes(path ?? '')) throw new Refusal(405, 'method-not-allowed', 'method not allowed');
        throw new Refusal(404, 'not-found', 'no such endpoint');
    }
  }

  const server = https.createServer({
    cert: options.tls.cert,
    key: options.tls.key,
    ca: options.tls.ca,
    requestCert: true,
    // Verified, but not required at the TLS layer: the public routes need none, and a missing one gets a 401 rather than a handshake failure.
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2',
  }, (req, res) => {
    const requestId = typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'].slice(0, 64) : randomUUID();
    withRequestId(requestId, () => {
      const started = clock();
      route(req, res).then(
        (audit) => log.info('keyserver request', { method: req.method, path: req.url?.split('?')[0], status: res.statusCode, ms: clock() - started, ...audit }),
        (err: unknown) => {
          const audit = (err as { audit?: Record<string, unknown> }).audit;
          if (err instanceof Refusal) {
            if (!res.headersSent) send(res, err.status, { error: err.error, message: err.message });
            log.warn('keyserver refused', { method: req.method, path: req.url?.split('?')[0], status: err.status, reason: err.error, ...audit });
            return;
          }
          const reason = err instanceof DirgateError ? err.reason : 'internal-error';
          if (!res.headersSent) send(res, 503, { error: 'unavailable', message: 'the key server could not complete the request' });
          log.error('keyserver failed', { method: req.method, path: req.url?.split('?')[0], reason, error: err instanceof Error ? err.message : String(err) });
        },
      );
    });
  });
  server.on('tlsClientError', (err) => log.debug('keyserver TLS handshake failed', { error: err.message }));

  let port: number;
  try {
    port = await listen(server, settings.port, settings.host, 'IBE key server');
  } catch (err) {
    if (ownPool) await pool.close();
    throw err;
  }
  const purge = revocations.purgeExpired
    ? setInterval(() => {
      revocations.purgeExpired!().then(
        (n) => { if (n > 0) log.info('keyserver purged expired revocations', { count: n }); },
        (err: unknown) => log.warn('keyserver could not purge revocations', { error: err instanceof Error ? err.message : String(err) }),
      );
    }, settings.revocations.purgeIntervalSeconds * 1000)
    : undefined;
  purge?.unref();

  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const url = `https://${host}:${port}`;
  log.info(master.created ? 'keyserver generated and sealed a new master key' : 'keyserver opened the sealed master key', {
    file: master.file, masterPublicKey, backend: pool.backend,
  });
  log.info('keyserver listening', { url });
  return {
    url,
    port,
    masterPublicKey: master.masterPublicKey,
    async close() {
      if (purge) clearInterval(purge);
      await closeServer(server);
      if (ownPool) await pool.close();
    },
  };
}
