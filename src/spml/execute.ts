/**
 * Runs parsed SPML requests. Every request goes the same way:
 *
 *   asynchronous? -> job table, answer "pending"
 *   locate        -> the target (and DN) the request is about
 *   offered?      -> the target lists the operation, else unsupportedOperation
 *   authorize     -> the caller's hook, else customError "insufficient access rights"
 *   run           -> the handler, through the Directory
 *   audit         -> every change (and every refused change) goes to the audit hook
 *
 * PIPELINE below says, one line per request, how it is located, which
 * operation is checked and whether it is audited.
 */
import { DirgateError } from '../errors.js';
import type { SpmlOperationName } from './config.js';
import type { ExecEnv, SpmlAuditEvent, SpmlAuthorizedOperation } from './env.js';
import { SpmlJobTable } from './jobs.js';
import type { ParsedRequest, RequestKind, SpmlRequest, SpmlResponse } from './model.js';
import { resolvePso, type ResolvedPso } from './pso-ids.js';
import { emptyResponse, failureResponse } from './responses.js';
import type { SpmlTarget } from './targets.js';
import { add, listTargets, lookup, modify, placeAdd, remove } from './operations/core.js';
import { closeIterator, iterate, planSearch, search, type SearchPlan } from './operations/search.js';
import { expirePassword, resetPassword, setPassword, validatePassword } from './operations/password.js';
import { active, resume, suspend } from './operations/suspend.js';

type Req<K extends RequestKind> = Extract<SpmlRequest, { kind: K }>;

/** What locating a request found. */
interface Located { pso?: ResolvedPso; plans?: SearchPlan[] }

/**
 * How a request finds what it is about: nothing (provider-level requests),
 * its psoID, the container an add goes into, or the targets a search covers.
 */
type Locate = 'none' | 'psoID' | 'placement' | 'query';

interface Step {
  op: SpmlAuthorizedOperation;
  locate: Locate;
  /** Changes data: reported to the audit hook. */
  changes: boolean;
  run: (req: SpmlRequest, env: ExecEnv, located: Located) => Promise<SpmlResponse>;
}

function step<K extends RequestKind>(
  op: SpmlAuthorizedOperation, locate: Locate, changes: boolean,
  run: (req: Req<K>, env: ExecEnv, located: Located) => Promise<SpmlResponse>,
): Step {
  return { op, locate, changes, run: run as Step['run'] };
}

const pso = (l: Located) => l.pso!;

export const PIPELINE: Record<Exclude<RequestKind, 'unsupported'>, Step> = {
  //                     operation checked      locate        audited
  listTargets: step<'listTargets'>('listTargets', 'none', false, (r, e) => listTargets(r, e)),
  add: step<'add'>('add', 'placement', true, (r, e, l) => add(r, e, pso(l))),
  lookup: step<'lookup'>('lookup', 'psoID', false, (r, e, l) => lookup(r, e, pso(l))),
  modify: step<'modify'>('modify', 'psoID', true, (r, e, l) => modify(r, e, pso(l))),
  delete: step<'delete'>('delete', 'psoID', true, (r, e, l) => remove(r, e, pso(l))),
  search: step<'search'>('search', 'query', false, (r, e, l) => search(r, e, l.plans!)),
  iterate: step<'iterate'>('iterate', 'none', false, (r, e) => iterate(r, e)),
  closeIterator: step<'closeIterator'>('closeIterator', 'none', false, (r, e) => closeIterator(r, e)),
  setPassword: step<'setPassword'>('setPassword', 'psoID', true, (r, e, l) => setPassword(r, e, pso(l))),
  expirePassword: step<'expirePassword'>('expirePassword', 'psoID', true, (r, e, l) => expirePassword(r, e, pso(l))),
  resetPassword: step<'resetPassword'>('resetPassword', 'psoID', true, (r, e, l) => resetPassword(r, e, pso(l))),
  validatePassword: step<'validatePassword'>('validatePassword', 'psoID', false, (r, e, l) => validatePassword(r, e, pso(l))),
  suspend: step<'suspend'>('suspend', 'psoID', true, (r, e, l) => suspend(r, e, pso(l))),
  resume: step<'resume'>('resume', 'psoID', true, (r, e, l) => resume(r, e, pso(l))),
  active: step<'active'>('active', 'psoID', false, (r, e, l) => active(r, e, pso(l))),
  batch: step<'batch'>('batch', 'none', false, (r, e) => batch(r, e)),
  status: step<'status'>('status', 'none', false, (r, e) => status(r, e)),
  cancel: step<'cancel'>('cancel', 'none', false, (r, e) => cancel(r, e)),
};

function notOffered(target: SpmlTarget, op: string): DirgateError {
  return new DirgateError('ERR_UNSUPPORTED_OPERATION', `target "${target.name}" does not offer ${op}`, { reason: 'spml-operation-not-offered' });
}

function denied(op: string, target?: SpmlTarget): DirgateError {
  return new DirgateError('ERR_INSUFFICIENT_ACCESS', `not allowed to ${op}${target ? ` in target "${target.name}"` : ''}`, { reason: 'spml-not-authorized' });
}

async function guard(env: ExecEnv, op: SpmlAuthorizedOperation, target: SpmlTarget | undefined): Promise<void> {
  if (target && !target.offers(op as SpmlOperationName)) throw notOffered(target, op);
  if (!(await env.authorize(env.ctx.principal, target?.config, op))) throw denied(op, target);
}

/** Fills `located` as it goes, so a refusal can still be audited with the target and DN. */
async function locate(req: SpmlRequest, s: Step, env: ExecEnv, located: Located): Promise<void> {
  switch (s.locate) {
    case 'none':
      await guard(env, s.op, undefined);
      return;
    case 'psoID':
      located.pso = await resolvePso((req as Req<'lookup'>).psoID, env.targets.list, env.directory, env.ctx);
      await guard(env, s.op, located.pso.target);
      return;
    case 'placement':
      located.pso = await placeAdd(req as Req<'add'>, env);
      await guard(env, s.op, located.pso.target);
      return;
    case 'query':
      located.plans = await planSearch(req as Req<'search'>, env, async (t, explicit) => {
        if (explicit) return guard(env, s.op, t);
        if (!t.offers('search') || !(await env.authorize(env.ctx.principal, t.config, 'search'))) return 'skip';
        return undefined;
      });
  }
}

function changedAttributes(req: SpmlRequest, target: SpmlTarget | undefined): string[] | undefined {
  switch (req.kind) {
    case 'add': return req.data.map((a) => a.type);
    case 'modify': return [...new Set(req.modifications.map((m) => m.attribute.type))];
    case 'setPassword': case 'resetPassword': return target ? [target.config.password.attribute] : undefined;
    case 'expirePassword': return target?.config.password.expire ? [target.config.password.expire.attribute] : undefined;
    case 'suspend': case 'resume': return target?.config.suspend ? [target.config.suspend.attribute] : undefined;
    default: return undefined;
  }
}

async function report(env: ExecEnv, req: SpmlRequest, located: Located, response: SpmlResponse, err?: unknown): Promise<void> {
  const target = located.pso?.target;
  const e = err instanceof DirgateError ? err : undefined;
  const responsePso = response.kind === 'add' ? response.pso?.id : undefined;
  const event: SpmlAuditEvent = {
    time: new Date().toISOString(),
    requestId: env.ctx.requestId,
    spmlRequestID: req.requestID,
    principal: { dn: env.ctx.principal.dn, appId: env.ctx.principal.appId },
    operation: req.kind as SpmlOperationName,
    target: target?.name ?? (req.kind === 'add' ? req.targetID : (req as Req<'lookup'>).psoID?.targetID),
    psoID: responsePso ?? (req.kind === 'add' ? req.psoID?.id : (req as Req<'lookup'>).psoID?.id),
    dn: located.pso?.dn,
    outcome: response.status === 'success' ? 'success' : e?.code === 'ERR_INSUFFICIENT_ACCESS' ? 'denied' : 'failure',
    error: response.error,
    reason: e?.reason,
    message: response.errorMessages[0],
    attributes: changedAttributes(req, target),
    asynchronous: env.job !== undefined,
  };
  try {
    await env.audit(event);
  } catch (auditErr) {
    env.logger?.error('spml audit hook failed', { error: auditErr, operation: event.operation, outcome: event.outcome });
  }
}

/** Runs one request synchronously (also the body of an asynchronous job). */
export async function runOne(req: SpmlRequest, env: ExecEnv): Promise<SpmlResponse> {
  if (req.kind === 'unsupported') {
    return failureResponse('unsupported', req.requestID, new DirgateError('ERR_UNSUPPORTED_OPERATION', `${req.element.local} is not supported`, {
      reason: 'spml-capability-not-offered',
    }), env.logger, req.element);
  }
  const s = PIPELINE[req.kind];
  const located: Located = {};
  let response: SpmlResponse;
  let error: unknown;
  try {
    await locate(req, s, env, located);
    response = await s.run(req, env, located);
  } catch (err) {
    error = err;
    response = failureResponse(req.kind, req.requestID, err, env.logger);
    if (response.kind === 'cancel' && req.kind === 'cancel') response.asyncRequestID = req.asyncRequestID;
    if (response.kind === 'status' && req.kind === 'status') response.asyncRequestID = req.asyncRequestID;
  }
  if (s.changes) await report(env, req, located, response, error);
  return response;
}

function startAsync(req: SpmlRequest, env: ExecEnv): SpmlResponse {
  const cfg = env.targets.config.async;
  if (!cfg.enabled || req.kind === 'status' || req.kind === 'cancel') {
    return failureResponse(req.kind, req.requestID, new DirgateError('ERR_UNSUPPORTED_OPERATION',
      cfg.enabled ? `${req.kind}Request runs synchronously only` : 'asynchronous execution is not offered', { reason: 'spml-async-unsupported' }), env.logger);
  }
  const requestID = req.requestID ?? SpmlJobTable.newRequestId();
  const pending = { ...emptyResponse(req.kind, 'pending', requestID, req.kind === 'unsupported' ? req.element : undefined), requestID };
  try {
    env.jobs.start(env.owner, pending, (job) => runOne({ ...req, requestID }, { ...env, job, ctx: { ...env.ctx, signal: job.abort.signal } }));
  } catch (err) {
    return failureResponse(req.kind, req.requestID, err, env.logger);
  }
  return pending;
}

/** Answers one parsed request: a failure for one that could not be read, else runs it (maybe asynchronously). */
export async function execute(item: ParsedRequest, env: ExecEnv, nested = false): Promise<SpmlResponse> {
  if (!item.ok) return failureResponse(item.kind, item.requestID, item.error, env.logger, item.element);
  const req = item.request;
  if (!env.targets.config.enabled) {
    return failureResponse(req.kind, req.requestID, new DirgateError('ERR_UNSUPPORTED_OPERATION', 'SPML provisioning is disabled', { reason: 'spml-disabled' }),
      env.logger, req.kind === 'unsupported' ? req.element : undefined);
  }
  // A batch's requests run as part of the batch, whatever their own executionMode says.
  if (req.executionMode === 'asynchronous' && !nested) return startAsync(req, env);
  return runOne(req, env);
}

async function batch(req: Req<'batch'>, env: ExecEnv): Promise<SpmlResponse> {
  const cfg = env.targets.config.batch;
  if (!cfg.enabled) throw new DirgateError('ERR_UNSUPPORTED_OPERATION', 'batch requests are not offered', { reason: 'spml-batch-disabled' });
  if (req.requests.length > cfg.maxRequests) {
    throw new DirgateError('ERR_LIMIT_EXCEEDED', `a batch may hold at most ${cfg.maxRequests} requests`, { reason: 'spml-batch-too-large' });
  }
  const total = req.requests.length;
  const results: Array<SpmlResponse | undefined> = new Array(total);
  const job = env.job;
  const itemEnv: ExecEnv = { ...env, job: undefined };
  let stop = false;
  const cancelled = () => env.ctx.signal?.aborted === true;
  const publish = () => {
    if (job) {
      job.partial = { kind: 'batch', status: 'pending', requestID: req.requestID, errorMessages: [], responses: results.filter((r): r is SpmlResponse => r !== undefined) };
    }
  };
  const runAt = async (i: number) => {
    const r = await execute(req.requests[i]!, itemEnv, true);
    results[i] = r;
    if (r.status === 'failure' && req.onError === 'exit') stop = true;
    publish();
  };
  if (req.processing === 'sequential') {
    for (let i = 0; i < total && !stop && !cancelled(); i++) await runAt(i);
  } else {
    let next = 0;
    const worker = async () => {
      while (!stop && !cancelled() && next < total) await runAt(next++);
    };
    await Promise.all(Array.from({ length: Math.min(cfg.parallelism, total) }, worker));
  }
  const responses = results.filter((r): r is SpmlResponse => r !== undefined);
  const failed = responses.filter((r) => r.status === 'failure').length;
  const notRun = total - responses.length;
  const messages: string[] = [];
  if (failed) messages.push(`${failed} of ${total} requests failed`);
  if (notRun) {
    messages.push(cancelled()
      ? `cancelled: ${notRun} of ${total} requests were not attempted`
      : `${notRun} of ${total} requests were not attempted after a failure (onError="exit")`);
  }
  return { kind: 'batch', status: failed || notRun ? 'failure' : 'success', requestID: req.requestID, errorMessages: messages, responses };
}

function noSuchRequest(id: string): DirgateError {
  return new DirgateError('ERR_NO_SUCH_REQUEST', `no asynchronous request "${id}" (unknown, expired or not yours)`, { reason: 'spml-unknown-async-request' });
}

/** A finished job's response reduced to its status (statusRequest without returnResults). */
function summary(r: SpmlResponse): SpmlResponse {
  const s = emptyResponse(r.kind, r.status, r.requestID, r.kind === 'unsupported' ? r.element : undefined);
  s.error = r.error;
  s.errorMessages = r.errorMessages;
  return s;
}

async function status(req: Req<'status'>, env: ExecEnv): Promise<SpmlResponse> {
  if (req.asyncRequestID === undefined) {
    const results = env.jobs.list(env.owner).map((j) => {
      if (j.state === 'done') return req.returnResults ? j.result! : summary(j.result!);
      return req.returnResults && j.partial ? j.partial : j.pending;
    });
    return { kind: 'status', status: 'success', requestID: req.requestID, errorMessages: [], results };
  }
  const job = env.jobs.get(env.owner, req.asyncRequestID);
  if (!job) throw noSuchRequest(req.asyncRequestID);
  if (job.state === 'running') {
    return {
      kind: 'status', status: 'pending', requestID: req.requestID, errorMessages: [], asyncRequestID: job.requestID,
      results: req.returnResults ? [job.partial ?? job.pending] : [],
    };
  }
  const result = job.result!;
  return {
    kind: 'status', status: result.status, error: result.error, requestID: req.requestID, asyncRequestID: job.requestID,
    errorMessages: req.returnResults ? [] : result.errorMessages,
    results: req.returnResults ? [result] : [],
  };
}

async function cancel(req: Req<'cancel'>, env: ExecEnv): Promise<SpmlResponse> {
  const outcome = env.jobs.cancel(env.owner, req.asyncRequestID);
  if (outcome === 'unknown') throw noSuchRequest(req.asyncRequestID);
  if (outcome === 'finished') {
    throw new DirgateError('ERR_UNWILLING_TO_PERFORM', `asynchronous request "${req.asyncRequestID}" has already completed; its result stays available to statusRequest`, {
      reason: 'spml-cancel-too-late',
    });
  }
  return { kind: 'cancel', status: 'success', requestID: req.requestID, errorMessages: [], asyncRequestID: req.asyncRequestID };
}
