/**
 * Runs a batchRequest against the directory interface and hands the responses
 * to a sink (the XML writer, or a collector for the model).
 *
 * Batch semantics, as docs/interop.md sets them out:
 *  - requestID is echoed verbatim on every response (and on the children of a
 *    searchResponse);
 *  - an operation counts as an error for onError="exit" when it is answered by
 *    an errorResponse or by a result code other than success, compareTrue,
 *    compareFalse or referral (what OpenDJ's gateway and .NET's client count);
 *  - processing="sequential": after an error with onError="exit" the remaining
 *    operations are not attempted and get no response; search entries stream
 *    out as the directory yields them;
 *  - processing="parallel": up to `parallelism` operations run at once; after an
 *    error with onError="exit" no further operation starts, the ones running
 *    finish, and each operation never started is answered errorResponse
 *    type="notAttempted"; responseOrder="sequential" keeps request order,
 *    "unordered" answers in completion order;
 *  - authRequest (first in the batch) switches the rest of the batch to the
 *    principal `resolveAuthRequest` maps it to; if that fails nothing after it
 *    runs as anyone else (errorResponse notAttempted with onError="resume");
 *  - abandonRequest has no response; it aborts a running operation of the batch
 *    with that requestID (whose response is then dropped, as LDAP drops an
 *    abandoned operation's) or skips one not yet started.
 */
import { DirgateError, ERRORS, LDAP_RESULT, errorCodeForLdapResult, toDirgateError } from '../errors.js';
import type {
  Control, Directory, OperationContext, OperationResult, Principal, SearchRequest,
} from '../directory/model.js';
import type { Logger } from '../log.js';
import { PAGED_RESULTS_OID } from './constants.js';
import { decodePaged, encodePaged } from '../directory/paged-results.js';
import { errorResult, isErrorResponse, isErrorResult, logOutcome, responseForError } from './results.js';
import { BatchResponseCollector, type ResponseSink } from './serialize.js';
import type { DsmlSession, DsmlSessionStore } from './session-store.js';
import type { DsmlBatchRequest, DsmlBatchResponse, DsmlOperation, DsmlResponse, LdapResultModel } from './types.js';

/** Picks the directory that serves a DN (so `o=gateway` can be served apart from the virtual directory). */
export type DirectoryResolver = (dn: string) => Directory;

export interface BatchOptions {
  /** Maps an authRequest principal to who the rest of the batch runs as; throws a DirgateError to refuse. */
  resolveAuthRequest?: (principal: string, ctx: OperationContext) => Promise<Principal>;
  logger?: Logger;
  /** The Microsoft DSML session the batch runs in, whose paged-search cookies it keeps. */
  session?: { store: DsmlSessionStore; session: DsmlSession };
  /** Operations run at once for processing="parallel" (default 8). */
  parallelism?: number;
}

/** A sink that may ask the executor to wait (a streaming writer whose reader is behind). */
export interface PacedSink extends ResponseSink {
  drain?(): Promise<void> | undefined;
}

interface Run {
  dirFor: DirectoryResolver;
  options: BatchOptions;
  exit: boolean;
}

function resolverOf(directory: Directory | DirectoryResolver): DirectoryResolver {
  return typeof directory === 'function' ? directory : () => directory;
}

function rid(requestID: string | undefined): { requestID?: string } {
  return requestID === undefined ? {} : { requestID };
}

/**
 * The result as the client sees it. A directory's diagnostic text never leaves
 * (it may name internal servers); a failure code gets the registry's public text.
 */
function publicResult(r: OperationResult): LdapResultModel {
  const out: LdapResultModel = { resultCode: r.resultCode };
  if (r.matchedDN) out.matchedDN = r.matchedDN;
  if (r.referrals?.length) out.referrals = r.referrals;
  if (r.controls?.length) out.controls = r.controls;
  if (isErrorResult(r.resultCode) && r.resultCode !== LDAP_RESULT.referral) {
    const code = errorCodeForLdapResult(r.resultCode);
    if (code !== 'ERR_INTERNAL' && ERRORS[code].expose) out.errorMessage = ERRORS[code].publicMessage;
  }
  return out;
}

function withControl(controls: Control[], replaced: Control): Control[] {
  return controls.map((c) => (c.type === replaced.type ? replaced : c));
}

/** Swaps the client's paged-results handle for the directory's cookie kept in the session. */
function cookieIn(req: SearchRequest, options: BatchOptions): SearchRequest {
  const s = options.session;
  const control = s && req.controls.find((c) => c.type === PAGED_RESULTS_OID);
  const paged = control && decodePaged(control.value);
  if (!s || !control || !paged || paged.cookie.length === 0) return req;
  const real = s.store.takeCookie(s.session, paged.cookie);
  if (!real) {
    throw new DirgateError('ERR_UNWILLING_TO_PERFORM', 'the paged-results cookie is unknown or was already used', { reason: 'dsml-paged-cookie-unknown' });
  }
  return { ...req, controls: withControl(req.controls, { ...control, value: encodePaged({ size: paged.size, cookie: real }) }) };
}

/** Keeps the directory's paged-results cookie in the session and gives the client a handle for it. */
function cookieOut(done: LdapResultModel, options: BatchOptions): LdapResultModel {
  const s = options.session;
  const control = s && done.controls?.find((c) => c.type === PAGED_RESULTS_OID);
  const paged = control && decodePaged(control.value);
  if (!s || !control || !paged || paged.cookie.length === 0) return done;
  const handle = s.store.keepCookie(s.session, paged.cookie);
  return { ...done, controls: withControl(done.controls!, { ...control, value: encodePaged({ size: paged.size, cookie: handle }) }) };
}

async function runSearch(
  run: Run, op: Extract<DsmlOperation, { kind: 'search' }>, ctx: OperationContext, sink: PacedSink,
): Promise<boolean> {
  const id = op.requestID;
  let opened = false;
  try {
    const req = cookieIn(op.request, run.options);
    let done: LdapResultModel | undefined;
    for await (const ev of run.dirFor(req.baseDN).search(req, ctx)) {
      if (ev.kind === 'entry') {
        opened = true;
        sink.searchEntry(id, ev.controls?.length ? { entry: ev.entry, controls: ev.controls } : { entry: ev.entry });
        const wait = sink.drain?.();
        if (wait) await wait;
        if (ctx.signal?.aborted) throw new DirgateError('ERR_INTERNAL', 'the search was abandoned', { reason: 'dsml-aborted' });
      } else if (ev.kind === 'reference') {
        opened = true;
        sink.searchReference(id, ev.uris);
      } else {
        done = cookieOut(publicResult(ev.result), run.options);
      }
    }
    if (!done) throw new DirgateError('ERR_INTERNAL', 'the directory ended a search without a result', { reason: 'dsml-search-without-done' });
    sink.searchDone(id, done);
    return isErrorResult(done.resultCode);
  } catch (thrown) {
    const err = toDirgateError(thrown);
    // Once entries went out the answer must stay a searchResponse: its searchResultDone carries the failure.
    if (opened) {
      logOutcome(run.options.logger, err, 'search');
      sink.searchDone(id, errorResult(err));
    } else {
      sink.response(responseForError('search', id, err, run.options.logger));
    }
    return true;
  }
}

async function runOther(run: Run, op: Exclude<DsmlOperation, { kind: 'search' | 'abandon' }>, ctx: OperationContext): Promise<DsmlResponse> {
  const r = rid(op.requestID);
  try {
    switch (op.kind) {
      case 'rejected':
        return responseForError(op.answersAs, op.requestID, op.error, run.options.logger);
      case 'add':
        return { kind: 'add', ...r, result: publicResult(await run.dirFor(op.request.dn).add(op.request, ctx)) };
      case 'modify':
        return { kind: 'modify', ...r, result: publicResult(await run.dirFor(op.request.dn).modify(op.request, ctx)) };
      case 'delete':
        return { kind: 'delete', ...r, result: publicResult(await run.dirFor(op.request.dn).delete(op.request, ctx)) };
      case 'modifyDN':
        return { kind: 'modifyDN', ...r, result: publicResult(await run.dirFor(op.request.dn).modifyDN(op.request, ctx)) };
      case 'compare':
        return { kind: 'compare', ...r, result: publicResult(await run.dirFor(op.request.dn).compare(op.request, ctx)) };
      case 'extended': {
        const x = await run.dirFor('').extended(op.request, ctx);
        const out: DsmlResponse = { kind: 'extended', ...r, result: publicResult(x) };
        if (x.oid) out.responseName = x.oid;
        if (x.value) out.response = x.value;
        return out;
      }
    }
  } catch (thrown) {
    return responseForError(op.kind === 'rejected' ? op.answersAs : op.kind, op.requestID, thrown, run.options.logger);
  }
}

/** Runs one operation into the sink; true when it counts as an error. */
async function runOne(run: Run, op: Exclude<DsmlOperation, { kind: 'abandon' }>, ctx: OperationContext, sink: PacedSink): Promise<boolean> {
  if (op.kind === 'search') return runSearch(run, op, ctx, sink);
  const response = await runOther(run, op, ctx);
  sink.response(response);
  return op.kind === 'rejected' || isErrorResponse(response);
}

function notAttempted(op: DsmlOperation, why: string): DsmlResponse {
  return { kind: 'error', ...rid(op.requestID), type: 'notAttempted', message: why };
}

async function runSequential(run: Run, ops: DsmlOperation[], ctx: OperationContext, sink: PacedSink): Promise<void> {
  const skipped = new Set<string>();
  for (const op of ops) {
    if (ctx.signal?.aborted) return;
    if (op.kind === 'abandon') {
      // Everything before it has finished; a later operation with that requestID is skipped.
      skipped.add(op.abandonID);
      continue;
    }
    if (op.requestID !== undefined && skipped.has(op.requestID)) continue;
    const failed = await runOne(run, op, ctx, sink);
    if (failed && run.exit) return;
    const wait = sink.drain?.();
    if (wait) await wait;
  }
}

/**
 * A context whose signal fires when `controller` aborts or the parent's signal
 * does; `release` unhooks it from the parent once the work is done, so a long
 * batch does not pile listeners onto the request's signal.
 */
export function childContext(ctx: OperationContext, controller: AbortController): OperationContext & { release(): void } {
  const parent = ctx.signal;
  const onAbort = (): void => controller.abort();
  if (parent) {
    if (parent.aborted) controller.abort();
    else parent.addEventListener('abort', onAbort, { once: true });
  }
  return { ...ctx, signal: controller.signal, release: () => parent?.removeEventListener('abort', onAbort) };
}

async function runParallel(run: Run, ops: DsmlOperation[], ctx: OperationContext, sink: PacedSink, unordered: boolean): Promise<void> {
  const n = ops.length;
  // undefined: not finished; null: finished without a response (abandon, abandoned).
  const results: Array<DsmlResponse | null | undefined> = new Array(n);
  const running = new Map<string, AbortController>();
  const abandoned = new Set<string>();
  let next = 0;
  let emitFrom = 0;
  let stop = false;

  const settle = (i: number, r: DsmlResponse | null): void => {
    results[i] = r;
    if (unordered) {
      if (r) sink.response(r);
      return;
    }
    while (emitFrom < n && results[emitFrom] !== undefined) {
      const ready = results[emitFrom++];
      if (ready) sink.response(ready);
    }
  };

  const worker = async (): Promise<void> => {
    while (!stop && next < n && !ctx.signal?.aborted) {
      const i = next++;
      const op = ops[i]!;
      if (op.kind === 'abandon') {
        abandoned.add(op.abandonID);
        running.get(op.abandonID)?.abort();
        settle(i, null);
        continue;
      }
      const id = op.requestID;
      if (id !== undefined && abandoned.has(id)) {
        settle(i, null);
        continue;
      }
      const controller = new AbortController();
      if (id !== undefined) running.set(id, controller);
      const collector = new BatchResponseCollector();
      const child = childContext(ctx, controller);
      const failed = await runOne(run, op, child, collector);
      child.release();
      if (id !== undefined) running.delete(id);
      if (id !== undefined && abandoned.has(id)) {
        settle(i, null);
        continue;
      }
      if (failed && run.exit) stop = true;
      settle(i, collector.responses[0] ?? null);
    }
  };

  const workers = Math.max(1, Math.min(run.options.parallelism ?? 8, n));
  await Promise.all(Array.from({ length: workers }, worker));
  for (let i = next; i < n; i++) {
    const op = ops[i]!;
    settle(i, op.kind === 'abandon' ? null : notAttempted(op, 'not attempted: an earlier operation of the batch failed'));
  }
}

/** Runs the whole batch, writing every response into `sink`. Never throws for an operation's failure. */
export async function runBatch(
  batch: DsmlBatchRequest,
  directory: Directory | DirectoryResolver,
  ctx: OperationContext,
  sink: PacedSink,
  options: BatchOptions = {},
): Promise<void> {
  if (batch.invalid) {
    const err = batch.invalid;
    responseForError(undefined, undefined, err, options.logger);
    sink.response({ kind: 'error', type: err.spec.dsml ?? 'notAttempted', message: err.publicMessage });
    return;
  }
  const run: Run = { dirFor: resolverOf(directory), options, exit: batch.onError === 'exit' };
  let ops = batch.operations;
  let runAs = ctx;
  let authFailed = false;

  if (batch.authRequest) {
    const auth = batch.authRequest;
    if (!options.resolveAuthRequest) {
      sink.response({ kind: 'auth', ...rid(auth.requestID), result: { resultCode: LDAP_RESULT.authMethodNotSupported, errorMessage: 'authRequest is not supported here' } });
      authFailed = true;
    } else {
      try {
        runAs = { ...ctx, principal: await options.resolveAuthRequest(auth.principal, ctx) };
        sink.response({ kind: 'auth', ...rid(auth.requestID), result: { resultCode: LDAP_RESULT.success } });
      } catch (thrown) {
        sink.response(responseForError('auth', auth.requestID, thrown, options.logger));
        authFailed = true;
      }
    }
  } else if (batch.authRequestRejected && ops[0]) {
    await runOne(run, ops[0] as Exclude<DsmlOperation, { kind: 'abandon' }>, ctx, sink);
    ops = ops.slice(1);
    authFailed = true;
  }

  if (authFailed) {
    // Never run the rest as the caller when it asked to run as someone else.
    if (!run.exit) {
      for (const op of ops) if (op.kind !== 'abandon') sink.response(notAttempted(op, 'not attempted: the batch authRequest failed'));
    }
    return;
  }
  if (batch.processing === 'parallel') await runParallel(run, ops, runAs, sink, batch.responseOrder === 'unordered');
  else await runSequential(run, ops, runAs, sink);
}

/** The batch's responses as a model (see runBatch for the semantics). */
export async function executeBatch(
  batch: DsmlBatchRequest,
  directory: Directory | DirectoryResolver,
  ctx: OperationContext,
  options: BatchOptions = {},
): Promise<DsmlBatchResponse> {
  const collector = new BatchResponseCollector();
  await runBatch(batch, directory, ctx, collector, options);
  return { ...rid(batch.requestID), responses: collector.responses };
}
