/**
 * The mobile gateway's HTTP surface (internal: only the firewall calls it).
 *
 *   route          | hop-auth | body         | handler
 *   ---------------+----------+--------------+-----------------------------
 *   GET  /healthz  |    -     |      -       | alive
 *   GET  /readyz   |    -     |      -       | sources + key server
 *   POST /dsml     |   yes    | raw, capped  | routes/dsml.ts
 *   POST /spml     |   yes    | raw, capped  | routes/spml.ts
 *   GET  /sso      |   yes    |      -       | routes/sso.ts
 *
 * Liveness and readiness skip hop authentication so that an orchestrator can
 * probe the gateway directly; they reveal nothing but up/down per part.
 */
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from '../log.js';
import { requestId } from './request-id.js';
import { runReadiness, type ReadinessCheck } from './readiness.js';
import { toDirgateError } from '../errors.js';

export interface GatewayRoutes {
  dsml?: RequestHandler;
  spml?: RequestHandler;
  sso?: RequestHandler;
}

export interface GatewayAppOptions {
  log: Logger;
  readiness: ReadinessCheck[];
  /** Verifies that a request was forwarded by the firewall (src/gateway/hop-auth.ts). */
  hopAuth?: RequestHandler;
  routes: GatewayRoutes;
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
}

export function createGatewayApp(options: GatewayAppOptions): Express {
  const { log } = options;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('trust proxy', false);
  app.use(requestId());

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const report = await runReadiness(options.readiness);
    if (!report.ready) log.warn('not ready', { checks: report.checks });
    res.status(report.ready ? 200 : 503).json(report);
  });

  if (options.hopAuth) app.use(options.hopAuth);
  // The hop check reads (and signs over) the body itself; read it here only when that did not happen.
  const parseRaw = express.raw({ type: () => true, limit: options.bodyLimit });
  const raw: RequestHandler = (req, res, next) => (Buffer.isBuffer(req.body) ? next() : parseRaw(req, res, next));
  if (options.routes.dsml) app.post('/dsml', raw, options.routes.dsml);
  if (options.routes.spml) app.post('/spml', raw, options.routes.spml);
  if (options.routes.sso) app.get('/sso', options.routes.sso);

  app.use((_req, res) => {
    res.status(404).type('text/plain').send('not found');
  });
  // Last resort: whatever escaped a route leaves as a bare status, its detail only in the log.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: number }).status;
    if (status === 413 || status === 400) {
      res.status(status).type('text/plain').send(status === 413 ? 'request body too large' : 'bad request');
      return;
    }
    const e = toDirgateError(err);
    log.error('unhandled gateway error', { code: e.code, error: e.message });
    res.status(e.spec.http).type('text/plain').send(e.publicMessage);
  });
  return app;
}
