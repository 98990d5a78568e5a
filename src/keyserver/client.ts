/**
 * The gateway's client of the key server: mutual TLS with the gateway's client
 * certificate, keep-alive connections (undici), typed errors. It also fits the
 * interception scripts' IdentityKeys (src/scripts/types.ts).
 *
 * Refusals map to the error registry: an expired or revoked identity is
 * ERR_AUTHENTICATION_FAILED (the session is over), a malformed one
 * ERR_MALFORMED_REQUEST, anything else (unreachable, 401, 5xx) ERR_INTERNAL with
 * the key server's reason, never exposed to clients.
 */
import { Agent, request } from 'undici';
import { DirgateError } from '../errors.js';
import { IBE_SUITE, MASTER_PUBLIC_KEY_BYTES } from '../ibe/constants.js';

export interface KeyServerClientOptions {
  /** e.g. https://127.0.0.1:8090 */
  url: string;
  /** PEM: the CA that signed the key server's certificate. */
  ca: string;
  /** PEM: the client certificate and its key (mutual TLS). */
  cert: string;
  key: string;
  /** Per request (default 5000 ms). */
  timeoutMs?: number;
  /** Kept-alive connections (default 8). */
  connections?: number;
}

export interface KeyServerParams {
  suite: string;
  /** The 96-byte compressed G2 master public key. */
  masterPublicKey: Uint8Array;
  masterPublicKeyBase64: string;
  dst: string;
}

export interface KeyServerClient {
  /** The public parameters (read once, then cached). */
  params(): Promise<KeyServerParams>;
  /** The identity's private key, base64 of the 48-byte compressed G1 point. `expiresAt` (ms), when given, must match the identity's. */
  extract(identity: string, expiresAt?: number): Promise<string>;
  revoke(identity: string): Promise<void>;
  /** True when the key server answers its liveness route. */
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

interface ErrorBody { error?: string; message?: string }

export function createKeyServerClient(options: KeyServerClientOptions): KeyServerClient {
  const base = options.url.replace(/\/+$/, '');
  const timeout = options.timeoutMs ?? 5000;
  const dispatcher = new Agent({
    connect: { ca: options.ca, cert: options.cert, key: options.key, minVersion: 'TLSv1.2' },
    connections: options.connections ?? 8,
    keepAliveTimeout: 30_000,
    headersTimeout: timeout,
    bodyTimeout: timeout,
  });
  let cachedParams: Promise<KeyServerParams> | undefined;

  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    let res;
    try {
      res = await request(`${base}${path}`, {
        dispatcher,
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeout),
      });
    } catch (err) {
      throw new DirgateError('ERR_INTERNAL', `the key server at ${base} cannot be reached: ${(err as Error).message}`, { reason: 'keyserver-unreachable', cause: err });
    }
    const text = await res.body.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, json };
  }

  function refusal(status: number, json: unknown, what: string): DirgateError {
    const reason = (json as ErrorBody | undefined)?.error ?? `http-${status}`;
    const message = `the key server refused to ${what} (${status} ${reason})`;
    if (status === 403 && (reason === 'identity-expired' || reason === 'identity-revoked')) {
      return new DirgateError('ERR_AUTHENTICATION_FAILED', message, { reason });
    }
    if (status === 400) return new DirgateError('ERR_MALFORMED_REQUEST', message, { reason });
    return new DirgateError('ERR_INTERNAL', message, { reason: `keyserver-${reason}` });
  }

  return {
    params() {
      cachedParams ??= (async () => {
        const { status, json } = await call('GET', '/v1/params');
        if (status !== 200) throw refusal(status, json, 'give its parameters');
        const p = json as { suite?: unknown; masterPublicKey?: unknown; dst?: unknown };
        const mpk = typeof p.masterPublicKey === 'string' ? Buffer.from(p.masterPublicKey, 'base64') : Buffer.alloc(0);
        if (p.suite !== IBE_SUITE || mpk.length !== MASTER_PUBLIC_KEY_BYTES || typeof p.dst !== 'string') {
          throw new DirgateError('ERR_INTERNAL', 'the key server\'s parameters are not dirgate\'s IBE suite', { reason: 'keyserver-params-invalid' });
        }
        return { suite: p.suite, masterPublicKey: Uint8Array.from(mpk), masterPublicKeyBase64: p.masterPublicKey as string, dst: p.dst };
      })();
      cachedParams.catch(() => { cachedParams = undefined; });
      return cachedParams;
    },

    async extract(identity, expiresAt) {
      const body = expiresAt === undefined ? { identity } : { identity, expiresAt: Math.floor(expiresAt / 1000) };
      const { status, json } = await call('POST', '/v1/extract', body);
      if (status !== 200) throw refusal(status, json, 'extract a key');
      const key = (json as { key?: unknown }).key;
      if (typeof key !== 'string' || Buffer.from(key, 'base64').length !== 48) {
        throw new DirgateError('ERR_INTERNAL', 'the key server answered without a key', { reason: 'keyserver-answer-invalid' });
      }
      return key;
    },

    async revoke(identity) {
      const { status, json } = await call('POST', '/v1/revoke', { identity });
      if (status !== 200) throw refusal(status, json, 'revoke an identity');
    },

    async healthy() {
      try {
        return (await call('GET', '/healthz')).status === 200;
      } catch {
        return false;
      }
    },

    close: () => dispatcher.close(),
  };
}
