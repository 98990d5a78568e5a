/**
 * The search capability: searchRequest over one target (or every target the
 * caller may search), the first maxSelect PSOs in the response and the rest
 * behind an iterator; iterateRequest and closeIteratorRequest.
 */
import type { Filter, Scope } from '../../directory/model.js';
import { DirgateError, LDAP_RESULT } from '../../errors.js';
import type { ExecEnv } from '../env.js';
import { normalizeDn } from '../../directory/dn.js';
import type { Pso, QueryClause, SearchScope, SpmlRequest, SpmlResponse } from '../model.js';
import { idAttributes, resolvePso } from '../pso-ids.js';
import { findTarget, type SpmlTarget } from '../targets.js';
import { psoOf } from './core.js';

type Req<K extends SpmlRequest['kind']> = Extract<SpmlRequest, { kind: K }>;

const SCOPE: Record<SearchScope, Scope> = { pso: 'base', oneLevel: 'one', subTree: 'sub' };

const EVERYTHING: Filter = { type: 'present', attribute: 'objectClass' };

/** A query clause as a directory filter, now that the target (and its suspend rule) is known. */
export function clauseFilter(c: QueryClause, target: SpmlTarget): Filter {
  switch (c.type) {
    case 'filter': return c.filter;
    case 'and': case 'or': return { type: c.type, filters: c.clauses.map((x) => clauseFilter(x, target)) };
    case 'not': return { type: 'not', filter: clauseFilter(c.clause, target) };
    case 'isActive': {
      const rule = target.config.suspend;
      // A target that cannot suspend has only active PSOs.
      if (!rule) return EVERYTHING;
      return { type: 'not', filter: { type: 'equality', attribute: rule.attribute, value: rule.value } };
    }
  }
}

/** Which targets a search runs over, each already checked for the search operation. */
export interface SearchPlan { target: SpmlTarget; baseDN: string }

export async function planSearch(
  req: Req<'search'>, env: ExecEnv, allowed: (t: SpmlTarget, explicit: boolean) => Promise<void | 'skip'>,
): Promise<SearchPlan[]> {
  const q = req.query;
  const targets = env.targets.list;
  if (q?.basePsoID) {
    const named = q.targetID !== undefined ? findTarget(targets, q.targetID) : undefined;
    const base = await resolvePso(q.basePsoID, targets, env.directory, env.ctx, { allowRoot: true, target: named });
    await allowed(base.target, true);
    return [{ target: base.target, baseDN: base.dn }];
  }
  if (q?.targetID !== undefined) {
    const t = findTarget(targets, q.targetID);
    await allowed(t, true);
    return [{ target: t, baseDN: t.dn }];
  }
  const plans: SearchPlan[] = [];
  for (const t of targets) {
    if ((await allowed(t, false)) !== 'skip') plans.push({ target: t, baseDN: t.dn });
  }
  return plans;
}

function tooMany(limit?: number): DirgateError {
  const more = limit === undefined ? 'more PSOs than the directory returns at once' : `more than ${limit} PSOs`;
  return new DirgateError('ERR_SIZE_LIMIT_EXCEEDED', `the search matches ${more}; narrow the query`, { reason: 'spml-too-many-results' });
}

async function searchTarget(req: Req<'search'>, env: ExecEnv, plan: SearchPlan, budget: number): Promise<Pso[]> {
  const q = req.query;
  const { target, baseDN } = plan;
  const clauses = (q?.clauses ?? []).map((c) => clauseFilter(c, target));
  const filter: Filter = clauses.length === 0 ? EVERYTHING : clauses.length === 1 ? clauses[0]! : { type: 'and', filters: clauses };
  const ids = idAttributes(target);
  const attributes = req.returnData === 'identifier'
    ? (ids.length ? ids : ['1.1'])
    : q?.attributes ? [...q.attributes, ...ids] : ['*', ...ids];
  const scope = SCOPE[q?.scope ?? 'subTree'];
  const rootKey = normalizeDn(target.dn);
  // budget + 2: one more than allowed tells "too many"; the branch entry itself may take one.
  const psos: Pso[] = [];
  for await (const ev of env.directory.search({
    baseDN, scope, derefAliases: 'never', sizeLimit: budget + 2, timeLimit: 0, typesOnly: false, filter, attributes, controls: [],
  }, env.ctx)) {
    if (ev.kind === 'entry') {
      // The target's branch entry is where PSOs live, not a PSO itself.
      if (normalizeDn(ev.entry.dn) === rootKey) continue;
      psos.push(psoOf(target, ev.entry, req.returnData, q?.attributes));
      if (psos.length > budget) break;
    } else if (ev.kind === 'done' && ev.result.resultCode === LDAP_RESULT.sizeLimitExceeded) {
      // The directory's own limit was reached first.
      throw tooMany();
    }
  }
  return psos;
}

export async function search(req: Req<'search'>, env: ExecEnv, plans: SearchPlan[]): Promise<SpmlResponse> {
  const limits = env.targets.config.search;
  const psos: Pso[] = [];
  for (const plan of plans) {
    psos.push(...(await searchTarget(req, env, plan, limits.maxResults - psos.length)));
    if (psos.length > limits.maxResults) throw tooMany(limits.maxResults);
  }
  const pageSize = Math.min(req.maxSelect ?? limits.defaultMaxSelect, limits.maxSelect);
  const first = psos.slice(0, pageSize);
  const rest = psos.slice(pageSize);
  return {
    kind: 'search', status: 'success', requestID: req.requestID, errorMessages: [],
    psos: first,
    iteratorID: rest.length ? env.iterators.open(env.owner, rest, pageSize) : undefined,
  };
}

function unknownIterator(id: string): DirgateError {
  // invalidIdentifier is what SPMLv2 answers for an iterator it does not know.
  return new DirgateError('ERR_INVALID_DN', `no open iterator "${id}" (unknown, expired, exhausted or not yours)`, { reason: 'spml-unknown-iterator' });
}

export async function iterate(req: Req<'iterate'>, env: ExecEnv): Promise<SpmlResponse> {
  const page = env.iterators.next(env.owner, req.iteratorID);
  if (!page) throw unknownIterator(req.iteratorID);
  return {
    kind: 'iterate', status: 'success', requestID: req.requestID, errorMessages: [],
    psos: page.psos, iteratorID: page.more ? req.iteratorID : undefined,
  };
}

export async function closeIterator(req: Req<'closeIterator'>, env: ExecEnv): Promise<SpmlResponse> {
  if (!env.iterators.close(env.owner, req.iteratorID)) throw unknownIterator(req.iteratorID);
  return { kind: 'closeIterator', status: 'success', requestID: req.requestID, errorMessages: [] };
}
