/**
 * Core operations: listTargets, add, lookup, modify, delete. Each handler gets
 * a request whose target has already been located, offered and authorized
 * (see ../execute.ts) and returns the response; failures are thrown.
 */
import type { Attribute, Entry } from '../../directory/model.js';
import { DirgateError } from '../../errors.js';
import type { ExecEnv } from '../env.js';
import { dnEquals, isStrictlyUnder, parentDn, parseDn, rdn } from '../../directory/dn.js';
import type { Pso, ReturnData, SpmlRequest, SpmlResponse } from '../model.js';
import { PROFILE_URIS } from '../namespaces.js';
import { collect, idAttributes, psoIdOf, readEntry, resolvePso, type ResolvedPso } from '../pso-ids.js';
import { malformed } from '../dsml-profile.js';
import { assertWritable, describeTarget, exposeEntry, findTarget, targetForDn, type SpmlTarget } from '../targets.js';

type Req<K extends SpmlRequest['kind']> = Extract<SpmlRequest, { kind: K }>;

/** The PSO as returnData asks for it, read back from the directory. */
export async function psoFor(env: ExecEnv, target: SpmlTarget, dn: string, returnData: ReturnData): Promise<Pso> {
  const attrs = returnData === 'identifier' ? (idAttributes(target).length ? idAttributes(target) : ['1.1']) : ['*', ...idAttributes(target)];
  const entry = await readEntry(env.directory, env.ctx, dn, attrs);
  if (!entry) throw new DirgateError('ERR_NO_SUCH_OBJECT', `no PSO at "${dn}"`, { reason: 'spml-unknown-pso' });
  return psoOf(target, entry, returnData);
}

export function psoOf(target: SpmlTarget, entry: Entry, returnData: ReturnData, only?: readonly string[]): Pso {
  return {
    id: psoIdOf(target, entry),
    targetID: target.name,
    data: returnData === 'identifier' ? undefined : exposeEntry(target, entry, only),
  };
}

export async function listTargets(req: Req<'listTargets'>, env: ExecEnv): Promise<SpmlResponse> {
  if (req.profile !== undefined && !PROFILE_URIS.has(req.profile)) {
    throw new DirgateError('ERR_UNSUPPORTED_OPERATION', `profile "${req.profile}" is not supported; dirgate speaks the DSMLv2 profile`, { reason: 'spml-unsupported-profile' });
  }
  const visible: SpmlTarget[] = [];
  for (const t of env.targets.list) {
    if (await env.authorize(env.ctx.principal, t.config, 'listTargets')) visible.push(t);
  }
  return {
    kind: 'listTargets', status: 'success', requestID: req.requestID, errorMessages: [],
    targets: visible.map((t) => describeTarget(t, env.targets.config)),
  };
}

/** Where an addRequest puts the new entry: its target and DN. */
export async function placeAdd(req: Req<'add'>, env: ExecEnv): Promise<ResolvedPso> {
  const targets = env.targets.list;
  let target: SpmlTarget | undefined;
  const namedTarget = req.targetID ?? req.psoID?.targetID ?? req.containerID?.targetID;
  if (namedTarget !== undefined) target = findTarget(targets, namedTarget);
  else if (req.psoID) target = targetForDn(targets, req.psoID.id);
  else if (targets.length === 1) target = targets[0];
  if (!target) throw malformed('addRequest needs a targetID');

  const container = req.containerID
    ? (await resolvePso(req.containerID, targets, env.directory, env.ctx, { allowRoot: true, target })).dn
    : undefined;

  if (target.config.psoId.strategy === 'client') {
    if (!req.psoID) throw malformed(`target "${target.name}" needs the client to choose the psoID (a DN)`);
    const dn = req.psoID.id.trim();
    let rdns;
    try {
      rdns = parseDn(dn);
    } catch {
      throw new DirgateError('ERR_INVALID_DN', `psoID "${dn}" is not a DN`, { reason: 'spml-invalid-pso-id' });
    }
    if (!isStrictlyUnder(rdns, target.dn)) {
      throw new DirgateError('ERR_INVALID_DN', `psoID "${dn}" is not below target "${target.name}" (${target.dn})`, { reason: 'spml-invalid-pso-id' });
    }
    if (container && !dnEquals(parentDn(rdns), container)) {
      throw new DirgateError('ERR_INVALID_DN', `psoID "${dn}" is not directly inside containerID "${container}"`, { reason: 'spml-invalid-pso-id' });
    }
    return { target, dn };
  }

  if (req.psoID) {
    throw new DirgateError('ERR_UNSUPPORTED_OPERATION', `target "${target.name}" chooses PSO identifiers itself; send no psoID`, { reason: 'spml-server-chooses-id' });
  }
  const rdnAttr = target.config.rdnAttribute;
  const values = req.data.find((a) => a.type.toLowerCase() === rdnAttr.toLowerCase())?.values ?? [];
  if (values.length !== 1 || typeof values[0] !== 'string' || values[0].trim() === '') {
    throw malformed(`data needs exactly one text value of "${rdnAttr}" to name the new PSO`);
  }
  return { target, dn: `${rdn(rdnAttr, values[0])},${container ?? target.dn}` };
}

/** LDAP needs the RDN's values in the entry; add those the data lacks. */
function withRdnValues(dn: string, data: Attribute[]): Attribute[] {
  const out = data.map((a) => ({ type: a.type, values: [...a.values] }));
  for (const ava of parseDn(dn)[0] ?? []) {
    const existing = out.find((a) => a.type.toLowerCase() === ava.type.toLowerCase());
    if (!existing) out.push({ type: ava.type, values: [ava.value] });
    else if (!existing.values.some((v) => typeof v === 'string' && v.toLowerCase() === ava.value.toLowerCase())) existing.values.push(ava.value);
  }
  return out;
}

export async function add(req: Req<'add'>, env: ExecEnv, place: ResolvedPso): Promise<SpmlResponse> {
  assertWritable(place.target, req.data.map((a) => a.type));
  await env.directory.add({ dn: place.dn, attributes: withRdnValues(place.dn, req.data), controls: [] }, env.ctx);
  return { kind: 'add', status: 'success', requestID: req.requestID, errorMessages: [], pso: await psoFor(env, place.target, place.dn, req.returnData) };
}

export async function lookup(req: Req<'lookup'>, env: ExecEnv, pso: ResolvedPso): Promise<SpmlResponse> {
  return { kind: 'lookup', status: 'success', requestID: req.requestID, errorMessages: [], pso: await psoFor(env, pso.target, pso.dn, req.returnData) };
}

export async function modify(req: Req<'modify'>, env: ExecEnv, pso: ResolvedPso): Promise<SpmlResponse> {
  assertWritable(pso.target, req.modifications.map((m) => m.attribute.type));
  await env.directory.modify({ dn: pso.dn, changes: req.modifications, controls: [] }, env.ctx);
  return { kind: 'modify', status: 'success', requestID: req.requestID, errorMessages: [], pso: await psoFor(env, pso.target, pso.dn, req.returnData) };
}

export async function remove(req: Req<'delete'>, env: ExecEnv, pso: ResolvedPso): Promise<SpmlResponse> {
  if (req.recursive) await deleteSubtree(env, pso.dn);
  else await env.directory.delete({ dn: pso.dn, controls: [] }, env.ctx);
  return { kind: 'delete', status: 'success', requestID: req.requestID, errorMessages: [] };
}

/** Deletes an entry and everything below it, deepest first; says what is left if it stops half-way. */
async function deleteSubtree(env: ExecEnv, dn: string): Promise<void> {
  const entries = await collect(env.directory.search({
    baseDN: dn, scope: 'sub', derefAliases: 'never', sizeLimit: 0, timeLimit: 0, typesOnly: false,
    filter: { type: 'present', attribute: 'objectClass' }, attributes: ['1.1'], controls: [],
  }, env.ctx));
  const order = entries.map((e) => e.dn).sort((a, b) => parseDn(b).length - parseDn(a).length);
  let deleted = 0;
  for (const target of order) {
    try {
      if (env.ctx.signal?.aborted) throw new DirgateError('ERR_INTERNAL', 'cancelled', { reason: 'spml-cancelled' });
      await env.directory.delete({ dn: target, controls: [] }, env.ctx);
      deleted += 1;
    } catch (err) {
      if (deleted === 0) throw err;
      const left = order.length - deleted;
      const why = err instanceof DirgateError ? err.publicMessage : 'internal error';
      throw new DirgateError('ERR_WRITE_INCOMPLETE',
        `recursive delete of "${dn}" stopped at "${target}" (${why}): ${deleted} of ${order.length} entries were deleted, ${left} remain including "${dn}"`,
        { reason: 'spml-recursive-delete-incomplete', cause: err });
    }
  }
}
