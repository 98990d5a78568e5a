/**
 * The forward hop: an undici Pool of kept-alive connections to the gateway. The
 * client's headers go on minus hop-by-hop headers, forwarding headers and
 * anything only the firewall may set; the firewall adds the identity it vouches
 * for and signs the request (hop-signature.ts). The answer streams back as it
 * comes, minus hop-by-hop and framework headers, plus helmet's; a gateway 5xx
 * has its body replaced by a generic one, so no internal detail (stack, host,
 * LDAP text) can reach a client whatever the gateway said.
 */
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { Pool } from 'undici';
import type { RequestContext } from './context.js';
import { FIREWALL_ONLY_HEADERS, HOP_HEADERS, IDENTITY_HEADERS, hopSignature, newHopNonce } from './hop-signature.js';
import type { FirewallSettings } from './settings.js';

/** Never forwarded in either direction (RFC 9110 section 7.6.1, plus proxies' own). */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

const NOT_FORWARDED_UP = new Set([
  ...HOP_BY_HOP,
  ...FIREWALL_ONLY_HEADERS,
  'host', 'content-length', 'expect', 'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip',
  // Verified here; the gateway learns how from X-Dirgate-App-Auth.
  'x-dirgate-app-secret',
]);

const NOT_FORWARDED_DOWN = new Set([...HOP_BY_HOP, 'server', 'x-powered-by', 'content-length', 'date']);

export type ForwardOutcome =
  | { kind: 'streamed'; status: number; complete: boolean }
  | { kind: 'server-error'; status: number }
  | { kind: 'unavailable'; cause: unknown };

/**
 * Streams the gateway's body to the client with backpressure. If either side
 * fails midway the client's connection is cut, so it sees a truncated reply and
 * never a complete-looking one; a client that leaves stops the reading.
 * (Hand-rolled rather than stream.pipeline, which builds an AbortController and
 * a DOMException per call: measurable at this request rate.)
 */
function relay(body: Readable, res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      body.off('data', onData).off('end', onEnd).off('error', onError);
      res.off('close', onClose).off('drain', onDrain);
      if (!ok) {
        body.destroy();
        res.destroy();
      }
      resolve(ok);
    };
    // Chunks that arrive in the same tick leave in one write (one TLS record), not one each.
    let corked = false;
    const uncork = () => { corked = false; res.uncork(); };
    const onData = (chunk: Buffer) => {
      if (!corked) { corked = true; res.cork(); process.nextTick(uncork); }
      if (!res.write(chunk)) body.pause();
    };
    const onDrain = () => body.resume();
    const onEnd = () => res.end(() => done(true));
    const onError = () => done(false);
    const onClose = () => { if (!res.writableFinished) done(false); };
    body.on('data', onData).on('end', onEnd).on('error', onError);
    res.on('close', onClose).on('drain', onDrain);
  });
}

/** Answers of known length up to this size leave in one write (head and body in one TLS record). */
const SMALL_ANSWER = 64 * 1024;

/**
 * A small answer of declared length is collected and sent with the head in one
 * write: the common DSML answer is a few kilobytes, and one TLS record and one
 * system call instead of two is measurable. Larger or unknown-length answers
 * stream (relay).
 */
function sendWhole(body: Readable, res: ServerResponse, declared: number): Promise<boolean> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = () => {
      body.off('data', onData).off('end', onEnd).off('error', fail);
      body.destroy();
      res.destroy();
      resolve(false);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > declared) return fail();
      chunks.push(chunk);
    };
    const onEnd = () => {
      body.off('error', fail);
      if (size !== declared) return fail();
      res.once('close', () => resolve(res.writableFinished));
      res.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    body.on('data', onData).once('end', onEnd).once('error', fail);
  });
}

export class GatewayProxy {
  private readonly pool: Pool;

  constructor(origin: string, settings: FirewallSettings['upstream'], private readonly hopSecret: string) {
    this.pool = new Pool(origin, {
      connections: settings.connections,
      pipelining: 1,
      keepAliveTimeout: 4_000,
      headersTimeout: settings.headersTimeoutMs,
      bodyTimeout: settings.bodyTimeoutMs,
    });
  }

  /** Headers for the gateway: the client's, cleaned, plus the signed identity. */
  upstreamHeaders(ctx: RequestContext): Record<string, string> {
    const out: Record<string, string> = {};
    const dropped = new Set(String(ctx.req.headers.connection ?? '').toLowerCase().split(',').map((t) => t.trim()));
    for (const [name, value] of Object.entries(ctx.req.headers)) {
      if (value === undefined || NOT_FORWARDED_UP.has(name) || dropped.has(name)) continue;
      out[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    out[IDENTITY_HEADERS.clientIp] = ctx.clientIp;
    out[IDENTITY_HEADERS.requestId] = ctx.requestId;
    out[IDENTITY_HEADERS.appAuth] = ctx.appAuth;
    if (ctx.cert) {
      out[IDENTITY_HEADERS.clientCertSubject] = ctx.cert.subject;
      out[IDENTITY_HEADERS.clientCertFingerprint] = ctx.cert.fingerprint;
    }
    const timestamp = String(Date.now());
    const nonce = newHopNonce();
    out[HOP_HEADERS.timestamp] = timestamp;
    out[HOP_HEADERS.nonce] = nonce;
    out[HOP_HEADERS.signature] = hopSignature(this.hopSecret, {
      method: ctx.req.method ?? 'GET',
      path: ctx.req.url ?? '/',
      timestamp,
      nonce,
      body: ctx.body,
      header: (name) => out[name],
    });
    return out;
  }

  /**
   * Sends the request and, unless the gateway failed, streams its answer to `res`
   * with `extraHeaders` added. Never throws: the outcome says what happened.
   */
  async forward(ctx: RequestContext, res: ServerResponse, extraHeaders: ReadonlyArray<readonly [string, string]>): Promise<ForwardOutcome> {
    let answer;
    try {
      const method = ctx.req.method === 'POST' ? 'POST' : 'GET';
      answer = await this.pool.request({
        method,
        path: ctx.req.url ?? '/',
        headers: this.upstreamHeaders(ctx),
        body: method === 'POST' ? ctx.body : null,
      });
    } catch (cause) {
      return { kind: 'unavailable', cause };
    }
    if (answer.statusCode >= 500) {
      await answer.body.dump().catch(() => {});
      return { kind: 'server-error', status: answer.statusCode };
    }
    res.statusCode = answer.statusCode;
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !NOT_FORWARDED_DOWN.has(name)) res.setHeader(name, value);
    }
    const length = answer.headers['content-length'];
    if (typeof length === 'string') res.setHeader('content-length', length);
    for (const [name, value] of extraHeaders) res.setHeader(name, value);
    const declared = typeof length === 'string' ? Number(length) : NaN;
    const complete = declared <= SMALL_ANSWER ? await sendWhole(answer.body, res, declared) : await relay(answer.body, res);
    return { kind: 'streamed', status: answer.statusCode, complete };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
