/**
 * The suspend capability on the target's configured attribute and value:
 * suspend adds the value, resume removes it, active reads it. Both writes are
 * idempotent (suspending a suspended PSO succeeds). A future effectiveDate
 * cannot be honoured (nothing here schedules work) and is refused.
 */
import { DirgateError } from '../../errors.js';
import type { ExecEnv } from '../env.js';
import type { SpmlRequest, SpmlResponse } from '../model.js';
import { readEntry, type ResolvedPso } from '../pso-ids.js';
import { isSuspended } from '../suspended.js';

type Req<K extends SpmlRequest['kind']> = Extract<SpmlRequest, { kind: K }>;

function ruleOf(pso: ResolvedPso) {
  const rule = pso.target.config.suspend;
  if (!rule) throw new DirgateError('ERR_UNSUPPORTED_OPERATION', `target "${pso.target.name}" cannot suspend PSOs`, { reason: 'spml-suspend-unconfigured' });
  return rule;
}

function refuseFuture(date: Date | undefined): void {
  if (date && date.getTime() > Date.now()) {
    throw new DirgateError('ERR_UNSUPPORTED_OPERATION', 'a future effectiveDate is not supported; send the request when it should take effect', {
      reason: 'spml-effective-date',
    });
  }
}

async function change(env: ExecEnv, pso: ResolvedPso, operation: 'add' | 'delete'): Promise<void> {
  const rule = ruleOf(pso);
  try {
    await env.directory.modify({ dn: pso.dn, changes: [{ operation, attribute: { type: rule.attribute, values: [rule.value] } }], controls: [] }, env.ctx);
  } catch (err) {
    const already = operation === 'add' ? 'ERR_ATTRIBUTE_OR_VALUE_EXISTS' : 'ERR_NO_SUCH_ATTRIBUTE';
    if (err instanceof DirgateError && err.code === already) return;
    throw err;
  }
}

export async function suspend(req: Req<'suspend'>, env: ExecEnv, pso: ResolvedPso): Promise<SpmlResponse> {
  refuseFuture(req.effectiveDate);
  await change(env, pso, 'add');
  return { kind: 'suspend', status: 'success', requestID: req.requestID, errorMessages: [] };
}

export async function resume(req: Req<'resume'>, env: ExecEnv, pso: ResolvedPso): Promise<SpmlResponse> {
  refuseFuture(req.effectiveDate);
  await change(env, pso, 'delete');
  return { kind: 'resume', status: 'success', requestID: req.requestID, errorMessages: [] };
}

export async function active(req: Req<'active'>, env: ExecEnv, pso: ResolvedPso): Promise<SpmlResponse> {
  const rule = ruleOf(pso);
  const entry = await readEntry(env.directory, env.ctx, pso.dn, [rule.attribute]);
  if (!entry) throw new DirgateError('ERR_NO_SUCH_OBJECT', `no PSO at "${pso.dn}"`, { reason: 'spml-unknown-pso' });
  return { kind: 'active', status: 'success', requestID: req.requestID, errorMessages: [], active: !isSuspended(entry, pso.target.config) };
}
