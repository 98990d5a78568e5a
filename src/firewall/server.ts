/**
 * The request handler: runs the pipeline table (pipeline.ts) for each request,
 * answers a refusal in the protocol's form, forwards what passed, and writes one
 * audit line per request whatever happened. Also answers what the HTTP parser
 * refuses before there is a request at all (slow or oversized heads).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log.js';
import type { AuditEvent, AuditSink } from './audit.js';
import type { FirewallServices, RequestContext } from './context.js';
import { FRONT, PIPELINES } from './pipeline.js';
import { refusalAnswer, upstreamFailureAnswer, type Answer, type AnswerContext } from './protocol-answers.js';
import type { GatewayProxy } from './proxy.js';
import { REASONS, type Reason, type RefusalReason } from './reasons.js';
import { FirewallRefusal } from './refusal.js';
import type { HeaderList } from './security-headers.js';
import { ROUTES } from './routes.js';

export interface HandlerDeps {
  fw: FirewallServices;
  proxy: GatewayProxy;
  audit: AuditSink;
  log: Logger;
  headers: HeaderList;
}

const EMPTY = Buffer.alloc(0);

function truncate(text: string | undefined, max: number): string | null {
  return text === undefined ? null : text.length > max ? `${text.slice(0, max)}...` : text;
}

/** Reads and discards what is left of a refused body, so the client is not reset mid-send; false if it had to give up. */
function drain(req: IncomingMessage, budget: number, ms: number): Promise<boolean> {
  if (req.complete) return Promise.resolve(true);
  return new Promise((resolve) => {
    let seen = 0;
    const done = (ok: boolean) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('aborted', onFail).off('error', onFail);
      resolve(ok);
    };
    const onData = (chunk: Buffer) => { seen += chunk.length; if (seen > budget) done(false); };
    const onEnd = () => done(true);
    const onFail = () => done(false);
    const timer = setTimeout(() => done(false), Math.max(0, ms));
    req.on('data', onData).on('end', onEnd).on('aborted', onFail).on('error', onFail);
    req.resume();
  });
}

export function createRequestHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { fw, proxy, audit, log, headers } = deps;
  const limits = fw.settings.limits;

  function answerContext(ctx: RequestContext): AnswerContext {
    const type = String(ctx.req.headers['content-type'] ?? '').toLowerCase();
    // Refusals before the route check still answer in the form of the path the client asked for.
    const route = ctx.route ?? ROUTES.get(ctx.path);
    return { route: route?.kind ?? 'plain', xml: ctx.xml, soap12: type.startsWith('application/soap+xml') };
  }

  function record(ctx: RequestContext, decision: AuditEvent['decision'], reason: Reason, status: number, extra: Partial<AuditEvent> = {}): void {
    audit.write({
      time: new Date().toISOString(),
      requestId: ctx.requestId,
      clientIp: ctx.clientIp,
      app: truncate(ctx.appId, 64),
      principal: truncate(ctx.credentials.principal, 128),
      method: truncate(ctx.req.method, 16) ?? '',
      endpoint: truncate(ctx.path, 128) ?? '',
      operation: ctx.operations.length ? [...new Set(ctx.operations)].join(',') : null,
      dn: truncate(ctx.firstDn, 512),
      decision,
      reason,
      status,
      durationMs: Math.round((performance.now() - ctx.started) * 100) / 100,
      ...extra,
    });
  }

  function send(ctx: RequestContext, res: ServerResponse, answer: Answer, extra: Record<string, string>, close: boolean): void {
    if (res.headersSent || res.destroyed) return;
    res.statusCode = answer.status;
    for (const [name, value] of headers) res.setHeader(name, value);
    res.setHeader('x-dirgate-request-id', ctx.requestId);
    res.setHeader('content-type', answer.contentType);
    res.setHeader('content-length', Buffer.byteLength(answer.body));
    res.setHeader('cache-control', 'no-store');
    for (const [name, value] of Object.entries(extra)) res.setHeader(name, value);
    if (close) res.setHeader('connection', 'close');
    res.end(answer.body);
  }

  async function refuseRequest(ctx: RequestContext, res: ServerResponse, err: unknown): Promise<void> {
    let reason: RefusalReason = 'internal-error';
    const extra: Record<string, string> = {};
    const detail: Partial<AuditEvent> = {};
    if (err instanceof FirewallRefusal) {
      reason = err.reason;
      if (err.detail.retryAfterSeconds !== undefined) extra['retry-after'] = String(err.detail.retryAfterSeconds);
      if (err.detail.operation !== undefined) detail.operation = err.detail.operation;
      if (err.detail.dn !== undefined) detail.dn = truncate(err.detail.dn, 512);
    } else {
      log.error('firewall: a check failed', { requestId: ctx.requestId, error: err instanceof Error ? err.message : String(err) });
    }
    if (reason === 'method-not-allowed' && ctx.route) extra.allow = ctx.route.method;
    // A body still arriving is read to its end (within limits) before answering, except from a client already too slow.
    let complete = ctx.req.complete;
    if (!complete && reason !== 'slow-client') {
      complete = await drain(ctx.req, 2 * limits.maxBodyBytes, limits.bodyTimeoutMs - (performance.now() - ctx.started));
    }
    const answer = refusalAnswer(reason, answerContext(ctx));
    send(ctx, res, answer, extra, !complete || reason === 'slow-client');
    if (!complete) res.once('finish', () => ctx.req.socket.destroy());
    record(ctx, 'deny', reason, answer.status, detail);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const ctx: RequestContext = {
      req,
      requestId: randomUUID(),
      started: performance.now(),
      path: query < 0 ? url : url.slice(0, query),
      clientIp: fw.ipResolver.resolve(req.socket.remoteAddress, req.headers['x-forwarded-for']),
      credentials: { kind: 'none', presentsPassword: false },
      appAuth: 'none',
      body: EMPTY,
      operations: [],
    };
    try {
      for (const check of FRONT) {
        const pending = check(ctx, fw);
        if (pending) await pending;
      }
      for (const check of PIPELINES[ctx.route!.path]) {
        const pending = check(ctx, fw);
        if (pending) await pending;
      }
    } catch (err) {
      return refuseRequest(ctx, res, err);
    }
    const security: Array<readonly [string, string]> = [...headers, ['x-dirgate-request-id', ctx.requestId]];
    const outcome = await proxy.forward(ctx, res, security);
    if (outcome.kind === 'streamed') return record(ctx, 'allow', outcome.complete ? 'allowed' : 'upstream-error', outcome.status, { upstreamStatus: outcome.status });
    if (outcome.kind === 'server-error') {
      send(ctx, res, upstreamFailureAnswer(outcome.status, answerContext(ctx)), {}, false);
      return record(ctx, 'allow', 'upstream-error', outcome.status, { upstreamStatus: outcome.status });
    }
    log.warn('firewall: the gateway is unavailable', { requestId: ctx.requestId, error: outcome.cause instanceof Error ? outcome.cause.message : String(outcome.cause) });
    const answer = refusalAnswer('upstream-unavailable', answerContext(ctx));
    send(ctx, res, answer, {}, false);
    record(ctx, 'deny', 'upstream-unavailable', answer.status);
  }

  return (req, res) => {
    handle(req, res).catch((err) => {
      log.error('firewall: request handling failed', { error: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) res.destroy();
    });
  };
}

/** What the HTTP parser refused, answered before any request object exists. */
export function createClientErrorHandler(deps: Pick<HandlerDeps, 'audit' | 'headers' | 'log'> & { fw: FirewallServices }) {
  const { audit, headers, fw } = deps;
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    const code = err.code ?? '';
    const reason: RefusalReason | undefined =
      code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'slow-client'
      : code === 'HPE_HEADER_OVERFLOW' ? 'headers-too-large'
      : code.startsWith('HPE_') ? 'http-malformed'
      : undefined;
    const busy = (socket as Socket & { _httpMessage?: unknown })._httpMessage !== undefined && (socket as Socket & { _httpMessage?: unknown })._httpMessage !== null;
    if (reason && socket.writable && !busy) {
      const spec = REASONS[reason];
      const body = `${spec.message}\n`;
      const lines = [
        `HTTP/1.1 ${spec.http} ${reason === 'slow-client' ? 'Request Timeout' : reason === 'headers-too-large' ? 'Request Header Fields Too Large' : 'Bad Request'}`,
        ...headers.map(([n, v]) => `${n}: ${v}`),
        'content-type: text/plain; charset=utf-8',
        `content-length: ${Buffer.byteLength(body)}`,
        'connection: close',
      ];
      socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
      // Give the answer time to leave, then make sure the connection is gone.
      setTimeout(() => socket.destroy(), 1000).unref();
      audit.write({
        time: new Date().toISOString(),
        requestId: randomUUID(),
        clientIp: fw.ipResolver.resolve(socket.remoteAddress, undefined),
        app: null, principal: null, method: '', endpoint: '', operation: null, dn: null,
        decision: 'deny', reason, status: spec.http, durationMs: 0,
      });
      return;
    }
    socket.destroy();
  };
}
