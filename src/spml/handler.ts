/**
 * The transport-free entry point of POST /spml: body in, HTTP status, content
 * type and body out. Input that is not a readable SPML request (not XML, a
 * DOCTYPE, no SOAP Envelope, an element that is no SPML request) gets a SOAP
 * Fault with the registry's HTTP status; everything else gets HTTP 200 and an
 * SPML response, failures included.
 */
import { toDirgateError } from '../errors.js';
import type { Principal } from '../directory/model.js';
import type { SpmlConfig } from './config.js';
import { normalizeDn } from '../directory/dn.js';
import type { ExecEnv, SpmlRuntimeDeps, SpmlTargets } from './env.js';
import { execute } from './execute.js';
import { IteratorStore } from './iterators.js';
import { SpmlJobTable } from './jobs.js';
import { EnvelopeError, parseSpmlEnvelope } from './parse.js';
import { serializeFault, serializeResponse } from './serialize.js';
import { buildTargets } from './targets.js';

export const SPML_CONTENT_TYPE = 'text/xml; charset=utf-8';

export interface SpmlRequestMeta {
  /** The caller's session, when it has one: iterators and asynchronous requests are bound to it. */
  sessionId?: string;
}

export interface SpmlHttpResponse {
  status: number;
  contentType: string;
  body: string;
}

/** The per-process state SPML needs across requests, built once from the `spml` configuration section. */
export interface SpmlRuntime {
  targets: SpmlTargets;
  jobs: SpmlJobTable;
  iterators: IteratorStore;
}

export function createSpmlRuntime(config: SpmlConfig): SpmlRuntime {
  return {
    targets: { config, list: buildTargets(config) },
    jobs: new SpmlJobTable({ maxJobs: config.async.maxJobs, maxRunning: config.async.maxRunning, resultTtlMs: config.async.resultTtlSeconds * 1000 }),
    iterators: new IteratorStore({ maxIterators: config.search.maxIterators, ttlMs: config.search.iteratorTtlSeconds * 1000 }),
  };
}

function ownerOf(principal: Principal, meta: SpmlRequestMeta): string {
  if (meta.sessionId) return `session:${meta.sessionId}`;
  let dn = principal.dn ?? '';
  try {
    dn = normalizeDn(dn);
  } catch {
    // keep the DN as given
  }
  return `principal:${principal.appId ?? ''}\u0000${dn}\u0000${principal.service ? 'service' : ''}`;
}

export async function handleSpmlRequest(body: Buffer, meta: SpmlRequestMeta, deps: SpmlRuntimeDeps): Promise<SpmlHttpResponse> {
  let parsed;
  try {
    parsed = parseSpmlEnvelope(body, deps.targets.config.limits);
  } catch (err) {
    const e = toDirgateError(err);
    const mustUnderstand = e.reason === 'soap-must-understand';
    if (!(err instanceof EnvelopeError)) deps.logger?.warn('spml request could not be parsed', { code: e.code, detail: e.message });
    return {
      status: mustUnderstand ? 500 : e.spec.http >= 400 && e.spec.http < 500 ? e.spec.http : 400,
      contentType: SPML_CONTENT_TYPE,
      body: serializeFault(mustUnderstand ? 'MustUnderstand' : 'Client', e.publicMessage),
    };
  }
  const env: ExecEnv = { ...deps, owner: ownerOf(deps.ctx.principal, meta) };
  const response = await execute(parsed.item, env);
  return { status: 200, contentType: SPML_CONTENT_TYPE, body: serializeResponse(response, parsed.mode) };
}
