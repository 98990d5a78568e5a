/**
 * Searches over the views: find what the base names (a synthetic entry, a
 * branch, or one virtual entry), plan each branch (planner.ts), stream the
 * driving source in batches, join each batch (join.ts), apply the whole filter
 * to the joined entries, and project. Nothing holds more than a batch of
 * entries, except the search cache's copy of a small, complete result.
 *
 * Results end with: success; sizeLimitExceeded or timeLimitExceeded (what was
 * found so far is returned); or, when a contributing source could not answer,
 * unavailable (52) or adminLimitExceeded (11) per the branch's `partialResults`,
 * with a message that names the source but no host. A primary source that
 * cannot answer fails the search with ERR_COULD_NOT_CONNECT. A contributor is
 * asked only when the filter or the requested attributes involve it, so one
 * that is down makes a result partial only then, whatever the scope.
 *
 * The paged-results control (RFC 2696) is answered here, over the joined
 * stream (paging.ts); it never reaches a source.
 */
import { DirgateError, LDAP_RESULT } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Entry, Filter, OperationContext, OperationResult, SearchEvent, SearchRequest, Value } from '../model.js';
import type { DirectoryCache } from '../cache/directory-cache.js';
import { entryDependencies } from '../cache/entry-dependencies.js';
import { type CompiledBranch, type CompiledView, type SourcePart, ownerOf, sourceRdnAttribute, virtualName } from './branch.js';
import type { DnRewriter } from './dn-rewrite.js';
import { type Dn, formatDn, isUnder, normalizeDn, parseDn } from '../dn.js';
import { evaluateFilter, matches } from './filter-eval.js';
import { filterAttributes, formatFilter } from './filter-text.js';
import { resolveContributorDns } from './dn-resolve.js';
import { type JoinedEntry, type Link, joinBatch, linkFor, normalizedSourceDn, toPrimaryItems } from './join.js';
import { planSearch, toSourceFilter } from './planner.js';
import { type PageRequest, PAGED_RESULTS_OID, pageRequest, pageResponse } from './paging.js';
import { operationalWanted, project, type Selection, selection } from './project.js';
import { collectEntries, isUnavailable, streamEntries } from './source-io.js';
import type { SyntheticEntry } from './synthetic.js';
import type { UnresolvedList } from './unresolved.js';

export interface ViewEngine {
  views: CompiledView[];
  synthetic: SyntheticEntry[];
  cache: DirectoryCache;
  unresolved: UnresolvedList;
  rewriter: DnRewriter;
  log: Logger;
  /** Primary entries joined per round trip to each contributor. */
  batchSize: number;
  /** Signs the view's paged-results cookies. */
  pagingKey: Buffer;
}

/** Per-search state: limits, which parts went quiet, what was emitted. */
export interface SearchState {
  signal: AbortSignal;
  deadline: number;
  unavailable: Map<string, SourcePart>;
  partialBranch?: CompiledBranch;
  /** Normalised virtual DNs emitted (to drop duplicates, never whole entries). */
  emitted: Set<string>;
  scans: Map<string, Promise<Entry[]>>;
}

class StopSearch extends Error {
  constructor(readonly result: OperationResult) { super('stop'); }
}

const NONE: ReadonlySet<string> = new Set();
/** Controls a search honours, critical or not. */
const SEARCH_CONTROLS: ReadonlySet<string> = new Set([PAGED_RESULTS_OID]);

/** Refuses a critical control the operation does not honour (the others are ignored, as RFC 4511 allows). */
export function refuseCriticalControls(controls: { type: string; criticality: boolean }[], supported: ReadonlySet<string> = NONE): void {
  for (const c of controls) {
    if (c.criticality && !supported.has(c.type)) {
      throw new DirgateError('ERR_UNAVAILABLE_CRITICAL_EXTENSION', `control ${c.type} is not supported`);
    }
  }
}

/** What a base DN names in the views. */
export type BaseTarget =
  | { kind: 'synthetic'; synthetic: SyntheticEntry }
  | { kind: 'entry'; branch: CompiledBranch; value: string; dn: Dn };

export function locateBase(engine: ViewEngine, base: Dn, baseKey?: string): BaseTarget {
  const key = baseKey ?? normalizeDn(base);
  const synthetic = engine.synthetic.find((s) => s.key === key);
  if (synthetic) return { kind: 'synthetic', synthetic };
  for (const v of engine.views) {
    for (const b of v.branches) {
      // Normalised DNs are canonical: "below" is a suffix test on the keys.
      if (!key.endsWith(`,${b.dnKey}`)) continue;
      const leaf = base[0]!;
      if (base.length !== b.dnParsed.length + 1 || leaf.length !== 1 || leaf[0]!.type.toLowerCase() !== b.rdnAttribute.toLowerCase()) {
        throw new DirgateError('ERR_NO_SUCH_OBJECT', `no such object: ${formatDn(base)}`, { matchedDN: b.dn });
      }
      return { kind: 'entry', branch: b, value: leaf[0]!.value, dn: base };
    }
  }
  let matched: string | undefined;
  for (const s of engine.synthetic) if (isUnder(base, s.parsed)) matched = s.entry.dn;
  throw new DirgateError('ERR_NO_SUCH_OBJECT', `no such object: ${formatDn(base)}`, matched ? { matchedDN: matched } : {});
}

/** Which parts to join and which source attributes to ask each for. */
export interface FetchPlan {
  /** Full user entries (eligible for the entry cache). */
  full: boolean;
  primaryAttributes: string[];
  links: Link[];
  partAttributes: Map<string, string[]>;
}

export function fetchPlan(branch: CompiledBranch, sel: Selection, filter: Filter | undefined, usable: (p: SourcePart) => boolean): FetchPlan {
  const op = operationalWanted(sel);
  const needed = new Set<string>([...sel.names, ...(filter ? filterAttributes(filter) : [])]);
  needed.add(branch.rdnAttribute.toLowerCase());
  const corr = branch.correlation?.attributes ?? [];
  const primaryAttributes = new Set<string>();
  if (sel.allUser) primaryAttributes.add('*');
  else {
    primaryAttributes.add('objectClass');
    for (const n of needed) if (ownerOf(branch, n) === branch.primary) primaryAttributes.add(branch.primary.mapping.toSource(n));
  }
  primaryAttributes.add(sourceRdnAttribute(branch));
  for (const c of corr) primaryAttributes.add(branch.primary.mapping.toSource(c));
  for (const o of op) primaryAttributes.add(o);
  const links: Link[] = [];
  const partAttributes = new Map<string, string[]>();
  for (const part of branch.contributors) {
    if (!usable(part)) continue;
    const owned = [...part.owns];
    if (!sel.allUser && !owned.some((a) => needed.has(a))) continue;
    const link = linkFor(branch, part);
    if (!link) continue;
    links.push(link);
    const attrs = new Set<string>(link.keyAttributes);
    for (const a of owned) if (sel.allUser || needed.has(a)) attrs.add(part.mapping.toSource(a));
    partAttributes.set(part.id, [...attrs]);
  }
  return { full: sel.allUser && op.length === 0, primaryAttributes: [...primaryAttributes], links, partAttributes };
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function checkTime(state: SearchState): void {
  if (Date.now() >= state.deadline) {
    throw new StopSearch({ resultCode: LDAP_RESULT.timeLimitExceeded, diagnosticMessage: 'time limit exceeded' });
  }
}

function primaryDown(branch: CompiledBranch, err: unknown): DirgateError {
  return new DirgateError('ERR_COULD_NOT_CONNECT', `the primary source ${branch.primary.sourceName} of ${branch.dn} could not be reached`, { cause: err, reason: 'source-unavailable' });
}

/** A part's entries for a set of correlation tuples: OR lookups of at most a batch of values each, or one scan per search. */
function fetchPartners(engine: ViewEngine, fp: FetchPlan, state: SearchState, link: Link, tuples: Value[][]): Promise<Entry[]> {
  const attributes = fp.partAttributes.get(link.part.id) ?? link.keyAttributes;
  if (!link.pushable) {
    let scan = state.scans.get(link.part.id);
    if (!scan) {
      scan = collectEntries(link.part.source, { baseDN: link.part.baseDn, scope: link.scope, filter: link.part.filter, attributes }, { signal: state.signal });
      state.scans.set(link.part.id, scan);
    }
    return scan;
  }
  return (async () => {
    const out: Entry[] = [];
    for (const c of chunk(tuples, engine.batchSize)) {
      out.push(...await collectEntries(link.part.source, { baseDN: link.part.baseDn, scope: link.scope, filter: link.lookup(c), attributes }, { signal: state.signal }));
    }
    return out;
  })();
}

/** Joins primary source entries and yields the joined entries (not yet filtered). */
async function* joinPrimaries(
  engine: ViewEngine, branch: CompiledBranch, fp: FetchPlan, state: SearchState, entries: Entry[],
  prefetched?: Map<string, Promise<Entry[]>>,
): AsyncGenerator<JoinedEntry> {
  const items = toPrimaryItems(branch, engine.rewriter, entries).filter((item) => {
    const key = item.key;
    // Claimed now, not when yielded: batches join concurrently.
    if (!state.emitted.has(key)) { state.emitted.add(key); return true; }
    engine.unresolved.add({
      reason: 'rdn-duplicate', view: branch.viewSuffix, branch: branch.name, source: branch.primary.sourceName,
      sourceDn: item.source.dn, virtualDn: item.dn,
    }, undefined, branch.id);
    return false;
  });
  if (items.length === 0) return;
  const links = fp.links.filter((l) => !state.unavailable.has(l.part.id));
  const joined = await joinBatch(items, {
    branch,
    links,
    rewriter: engine.rewriter,
    unresolved: engine.unresolved,
    isUnavailableError: isUnavailable,
    onUnavailable: (part, err) => {
      if (!state.unavailable.has(part.id)) {
        engine.log.warn('contributing source did not answer; results are partial', { branch: branch.name, source: part.sourceName, code: (err as { code?: string }).code });
      }
      state.unavailable.set(part.id, part);
      state.partialBranch ??= branch;
    },
    fetch: (link, tuples) => prefetched?.get(link.part.id) ?? fetchPartners(engine, fp, state, link, tuples),
  });
  if (links.length < fp.links.length) for (const j of joined) j.complete = false;
  if (links.length > 0) await resolveContributorDns(engine.views, joined, state.signal);
  yield* joined;
}

/** A batch joined to completion, for pipelining. */
async function joinAll(engine: ViewEngine, branch: CompiledBranch, fp: FetchPlan, state: SearchState, entries: Entry[]): Promise<JoinedEntry[]> {
  const out: JoinedEntry[] = [];
  for await (const j of joinPrimaries(engine, branch, fp, state, entries)) out.push(j);
  return out;
}

/** Joins in flight at once: the contributors answer batch n+1 while batch n is delivered. */
const PIPELINE_DEPTH = 2;

async function* primaryDriven(engine: ViewEngine, branch: CompiledBranch, filter: Filter | undefined, fp: FetchPlan, state: SearchState): AsyncGenerator<JoinedEntry> {
  let batch: Entry[] = [];
  const pending: Array<Promise<JoinedEntry[]>> = [];
  const start = (entries: Entry[]) => {
    const p = joinAll(engine, branch, fp, state, entries);
    p.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
    pending.push(p);
  };
  const stream = streamEntries(branch.primary.source, {
    baseDN: branch.primary.baseDn, scope: 'sub', filter, attributes: fp.primaryAttributes,
  }, { signal: state.signal });
  try {
    for await (const e of stream) {
      batch.push(e);
      if (batch.length >= engine.batchSize) {
        start(batch);
        batch = [];
        while (pending.length >= PIPELINE_DEPTH) {
          yield* await pending.shift()!;
          checkTime(state);
        }
      }
    }
  } catch (err) {
    if (err instanceof StopSearch) throw err;
    if (state.signal.aborted) checkTime(state);
    if (isUnavailable(err)) throw primaryDown(branch, err);
    // The primary base not existing means an empty branch, not a failure.
    if (!(err instanceof DirgateError && err.code === 'ERR_NO_SUCH_OBJECT')) throw err;
  }
  if (batch.length) start(batch);
  while (pending.length) yield* await pending.shift()!;
}

async function* contributorDriven(
  engine: ViewEngine, branch: CompiledBranch, driver: Link, driverFilter: Filter | undefined,
  primaryExtra: Filter | undefined, fp: FetchPlan, state: SearchState,
): AsyncGenerator<JoinedEntry> {
  const seenKeys = new Set<string>();
  let tuples: Value[][] = [];
  const flush = async function* (): AsyncGenerator<JoinedEntry> {
    if (tuples.length === 0) return;
    const lookup = driver.primaryLookup(tuples);
    // The driver's own partners depend only on these values: fetch them while the primary answers.
    const prefetched = new Map<string, Promise<Entry[]>>();
    if (driver.pushable && !state.unavailable.has(driver.part.id)) {
      const p = fetchPartners(engine, fp, state, driver, tuples);
      p.catch(() => undefined);
      prefetched.set(driver.part.id, p);
    }
    tuples = [];
    const filters = [branch.primary.filter, primaryExtra, lookup].filter((f): f is Filter => f !== undefined);
    let primaries: Entry[];
    try {
      primaries = await collectEntries(branch.primary.source, {
        baseDN: branch.primary.baseDn, scope: 'sub', filter: filters.length === 1 ? filters[0] : { type: 'and', filters }, attributes: fp.primaryAttributes,
      }, { signal: state.signal });
    } catch (err) {
      if (state.signal.aborted) checkTime(state);
      if (isUnavailable(err)) throw primaryDown(branch, err);
      throw err;
    }
    yield* joinPrimaries(engine, branch, fp, state, primaries, prefetched);
    checkTime(state);
  };
  for await (const e of streamEntries(driver.part.source, {
    baseDN: driver.part.baseDn, scope: driver.scope, filter: driverFilter, attributes: driver.keyAttributes,
  }, { signal: state.signal })) {
    for (const t of driver.partTuples(e)) {
      const k = driver.keyOf(t);
      if (seenKeys.has(k)) continue;
      seenKeys.add(k);
      tuples.push(t);
    }
    if (tuples.length >= engine.batchSize) yield* flush();
  }
  yield* flush();
}

/** Joined entries of a branch that match the filter (unprojected). */
export async function* branchEntries(engine: ViewEngine, branch: CompiledBranch, filter: Filter, sel: Selection, state: SearchState): AsyncGenerator<JoinedEntry> {
  const plan = planSearch(branch, filter);
  const usable = (p: SourcePart) => !state.unavailable.has(p.id);
  const fp = fetchPlan(branch, sel, filter, usable);
  engine.log.debug('search plan', { plan: plan.describe });
  const primaryFilter = plan.sourceFilters.get('primary');
  const emit = function* (j: JoinedEntry): Generator<JoinedEntry> {
    if (matches(filter, j.entry)) yield j;
  };
  const driverLink = plan.driver === branch.primary ? undefined : fp.links.find((l) => l.part === plan.driver);
  const driverRelaxed = plan.relaxed.get(plan.driver.id);
  // A contributor may drive only if an identity without its attributes could never match (else such identities would be missed).
  const canDrive = driverLink !== undefined && driverRelaxed !== undefined
    && evaluateFilter(driverRelaxed, { dn: '', attributes: [] }) !== true;
  if (driverLink && canDrive) {
    const primaryRelaxed = plan.relaxed.get('primary');
    try {
      for await (const j of contributorDriven(engine, branch, driverLink, plan.sourceFilters.get(plan.driver.id),
        primaryRelaxed ? toSourceFilter(branch.primary, primaryRelaxed) : undefined, fp, state)) yield* emit(j);
      return;
    } catch (err) {
      if (err instanceof StopSearch || !isUnavailable(err) || (err instanceof DirgateError && err.reason === 'source-unavailable')) throw err;
      // The driving contributor is down: answer from the primary, partially.
      engine.log.warn('driving source did not answer; falling back to the primary', { branch: branch.name, source: plan.driver.sourceName });
      state.unavailable.set(plan.driver.id, plan.driver);
      state.partialBranch ??= branch;
      const fallback = fetchPlan(branch, sel, filter, usable);
      for await (const j of primaryDriven(engine, branch, primaryFilter, fallback, state)) yield* emit(j);
      return;
    }
  }
  for await (const j of primaryDriven(engine, branch, primaryFilter, fp, state)) yield* emit(j);
}

/**
 * One virtual entry by its naming value, joined (unfiltered), or undefined when it does not exist. Only the
 * contributors that own an attribute of `sel` or of `wanted` (the search's filter) are asked; one that does not answer is left in
 * `state.unavailable` and the entry is marked incomplete.
 */
export async function lookupEntry(
  engine: ViewEngine, branch: CompiledBranch, value: string, sel: Selection, state: SearchState, wanted?: Filter,
): Promise<JoinedEntry | undefined> {
  const fp = fetchPlan(branch, sel, wanted, (p) => !state.unavailable.has(p.id));
  const eq: Filter = { type: 'equality', attribute: sourceRdnAttribute(branch), value };
  const filter: Filter = branch.primary.filter ? { type: 'and', filters: [branch.primary.filter, eq] } : eq;
  let found: Entry[];
  try {
    // Most sources name the entry as the view does, directly under the base: one base read, no index needed.
    // A name the unresolved list holds as duplicated goes the long way, which refuses it.
    const guess = formatDn([[{ type: sourceRdnAttribute(branch), value }], ...branch.primary.base]);
    found = engine.unresolved.isDuplicateName(branch.id, virtualName(branch, value).key) ? [] : await collectEntries(branch.primary.source, {
      baseDN: guess, scope: 'base', filter, attributes: fp.primaryAttributes,
    }, { signal: state.signal });
    if (found.length === 0) {
      found = await collectEntries(branch.primary.source, {
        baseDN: branch.primary.baseDn, scope: 'sub', filter, attributes: fp.primaryAttributes, sizeLimit: 2,
      }, { signal: state.signal });
    }
  } catch (err) {
    if (err instanceof DirgateError && err.code === 'ERR_SIZE_LIMIT_EXCEEDED') found = [{ dn: '', attributes: [] }, { dn: '', attributes: [] }];
    else if (isUnavailable(err)) throw primaryDown(branch, err);
    else throw err;
  }
  if (found.length > 1) {
    const dn = formatDn([[{ type: branch.rdnAttribute, value }], ...branch.dnParsed]);
    engine.unresolved.add({
      reason: 'rdn-duplicate', view: branch.viewSuffix, branch: branch.name, source: branch.primary.sourceName,
      sourceDn: found.map((f) => f.dn).filter(Boolean).join(' | ') || dn, virtualDn: dn,
    }, undefined, branch.id);
    throw new DirgateError('ERR_NO_SUCH_OBJECT', `${dn} is ambiguous: several source entries carry that name (see the unresolved list)`, { reason: 'rdn-duplicate', matchedDN: branch.dn });
  }
  if (found.length === 0) return undefined;
  for await (const j of joinPrimaries(engine, branch, fp, state, found)) return j;
  return undefined;
}

export function newSearchState(signal: AbortSignal, deadline = Number.POSITIVE_INFINITY): SearchState {
  return { signal, deadline, unavailable: new Map(), emitted: new Set(), scans: new Map() };
}

function minNonZero(...values: number[]): number {
  const nz = values.filter((v) => v > 0);
  return nz.length ? Math.min(...nz) : 0;
}

function inScope(entry: Dn, base: Dn, scope: SearchRequest['scope']): boolean {
  if (scope === 'base') return entry.length === base.length && isUnder(entry, base);
  if (scope === 'one') return entry.length === base.length + 1 && isUnder(entry, base);
  return isUnder(entry, base);
}

/** What names a search: its cache key, and the fingerprint its paged-results cookies are bound to. */
function searchCacheKey(req: SearchRequest, baseKey: string): string {
  return JSON.stringify([
    baseKey, req.scope, formatFilter(req.filter), [...req.attributes].map((a) => a.toLowerCase()).sort(), req.typesOnly, req.sizeLimit,
  ]);
}

/** Caches a full, complete joined entry for base lookups, binds and writes. */
export function rememberEntry(engine: ViewEngine, j: JoinedEntry): void {
  if (!engine.cache.enabled) return;
  engine.cache.setEntry('', j.key, {
    entry: j.entry, branchId: j.branch.id, primaryDn: j.primaryDn, sources: j.sourceDns.map(([s, dn]) => [s, normalizedSourceDn(dn)]), keys: j.keys,
  });
}

/** The Directory.search of the views. */
export async function* searchViews(engine: ViewEngine, req: SearchRequest, ctx: OperationContext): AsyncGenerator<SearchEvent> {
  refuseCriticalControls(req.controls, SEARCH_CONTROLS);
  const base = parseDn(req.baseDN);
  const baseKey = normalizeDn(base);
  const target = locateBase(engine, base, baseKey);
  const searchKey = searchCacheKey(req, baseKey);
  const page = pageRequest(engine.pagingKey, req.controls, searchKey);
  if (page?.size === 0) {
    // RFC 2696: a size of zero ends the paged search; nothing is held between pages, so there is nothing to free.
    yield { kind: 'done', result: { resultCode: LDAP_RESULT.success, controls: [pageResponse(engine.pagingKey, page, undefined)] } };
    return;
  }
  const sel = selection(req.attributes);
  // Paging is not part of the key: every page of a search is cut from the same complete result.
  const cacheKey = searchKey;
  const cached = engine.cache.enabled ? engine.cache.getSearch(cacheKey) : undefined;
  if (cached) {
    const end = page ? page.offset + page.size : cached.count;
    for (const e of cached.entries(page?.offset ?? 0, end)) yield { kind: 'entry', entry: e };
    yield { kind: 'done', result: withPage(engine, cached.result, page, end < cached.count ? end : undefined) };
    return;
  }

  const branches: CompiledBranch[] = [];
  if (target.kind === 'entry') branches.push(target.branch);
  else {
    for (const v of engine.views) for (const b of v.branches) {
      if (req.scope === 'sub' ? isUnder(b.dnParsed, base) : req.scope === 'one' && normalizeDn(b.dnParsed) === baseKey) branches.push(b);
    }
  }
  const sizeLimit = minNonZero(req.sizeLimit, ...branches.map((b) => b.limits.sizeLimit));
  const timeLimit = minNonZero(req.timeLimit, ...branches.map((b) => b.limits.timeLimitSeconds));
  const timer = new AbortController();
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, timer.signal]) : timer.signal;
  const state = newSearchState(signal, timeLimit ? Date.now() + timeLimit * 1000 : Number.POSITIVE_INFINITY);
  const timeout = timeLimit ? setTimeout(() => timer.abort(), timeLimit * 1000) : undefined;
  timeout?.unref();

  const collected = engine.cache.enabled ? engine.cache.collector() : undefined;
  /** Entries that matched, earlier pages' included: the size limit counts the whole paged result. */
  let count = 0;
  /** Set when the page is full and another entry matched: the client gets a cookie to go on. */
  let moreAfter: number | undefined;
  /**
   * The event for a matching entry, or undefined for one an earlier page returned. `dependencies`: what the
   * entry was built from, for the cache (entry-dependencies.ts).
   */
  const take = (entry: Entry, dnKey: string | undefined, dependencies: () => readonly string[]): SearchEvent | undefined => {
    if (sizeLimit && count >= sizeLimit) {
      throw new StopSearch({ resultCode: LDAP_RESULT.sizeLimitExceeded, diagnosticMessage: `size limit of ${sizeLimit} exceeded` });
    }
    count += 1;
    if (page && count > page.offset + page.size) {
      moreAfter = page.offset + page.size;
      throw new StopSearch({ resultCode: LDAP_RESULT.success });
    }
    const skipped = page !== undefined && count <= page.offset;
    if (skipped && !collected) return undefined;
    const projected = project(entry, sel, req.typesOnly);
    // Skipped entries are kept too, so that the last page can cache the whole result for the next search.
    if (collected && collected.length <= engine.cache.maxResultEntries) collected.add(projected, dnKey, dependencies());
    return skipped ? undefined : { kind: 'entry', entry: projected };
  };

  let result: OperationResult = { resultCode: LDAP_RESULT.success };
  try {
    if (target.kind === 'synthetic') {
      for (const s of engine.synthetic) {
        if (inScope(s.parsed, base, req.scope) && matches(req.filter, s.entry)) {
          // Synthetic entries come from the configuration: no source change alters them.
          const ev = take(s.entry, undefined, () => []);
          if (ev) yield ev;
        }
      }
      for (const b of branches) {
        for await (const j of branchEntries(engine, b, req.filter, sel, state)) {
          if (j.complete && sel.allUser && operationalWanted(sel).length === 0) rememberEntry(engine, j);
          const ev = take(j.entry, j.key, () => entryDependencies(engine.views, b, j.entry, j.sourceDns, false));
          if (ev) yield ev;
          checkTime(state);
        }
      }
    } else {
      const { branch, value } = target;
      let entry: Entry | undefined;
      let dependencies: () => readonly string[] = () => [];
      const hit = operationalWanted(sel).length === 0 ? engine.cache.getEntry('', baseKey) : undefined;
      if (hit) {
        entry = hit.entry;
        dependencies = () => entryDependencies(engine.views, branch, hit.entry, hit.sources, true);
      } else {
        // Asked as a one-level search would ask it: a contributor is involved only by the filter or the attributes.
        const j = await lookupEntry(engine, branch, value, sel, state, req.filter);
        if (j && j.complete && sel.allUser && operationalWanted(sel).length === 0) rememberEntry(engine, j);
        entry = j?.entry;
        if (j) dependencies = () => entryDependencies(engine.views, branch, j.entry, j.sourceDns, false);
      }
      if (!entry) throw new DirgateError('ERR_NO_SUCH_OBJECT', `no such object: ${req.baseDN}`, { matchedDN: branch.dn });
      if (req.scope !== 'one' && matches(req.filter, entry)) {
        const ev = take(entry, baseKey, dependencies);
        if (ev) yield ev;
      }
    }
  } catch (err) {
    if (!(err instanceof StopSearch)) {
      if (state.signal.aborted && Date.now() >= state.deadline) {
        result = { resultCode: LDAP_RESULT.timeLimitExceeded, diagnosticMessage: 'time limit exceeded' };
      } else throw err;
    } else result = err.result;
  } finally {
    if (timeout) clearTimeout(timeout);
  }
  if (result.resultCode === LDAP_RESULT.success && state.unavailable.size > 0) {
    const names = [...new Set([...state.unavailable.values()].map((p) => p.sourceName))].join(', ');
    const code = state.partialBranch?.partialResults === 'adminLimitExceeded' ? LDAP_RESULT.adminLimitExceeded : LDAP_RESULT.unavailable;
    result = { resultCode: code, diagnosticMessage: `source ${names} did not answer; the results are partial` };
  }
  if (collected && moreAfter === undefined && result.resultCode === LDAP_RESULT.success && state.unavailable.size === 0
    && collected.length <= engine.cache.maxResultEntries) {
    engine.cache.setSearch(cacheKey, {
      entries: collected, result, baseKey, branchIds: branches.map((b) => b.id), scope: req.scope, filter: req.filter,
    });
  }
  yield { kind: 'done', result: withPage(engine, result, page, moreAfter) };
}

/** The closing result with the paged-results response control, when the search was paged. */
function withPage(engine: ViewEngine, result: OperationResult, page: PageRequest | undefined, nextOffset: number | undefined): OperationResult {
  if (!page) return result;
  return { ...result, controls: [...(result.controls ?? []), pageResponse(engine.pagingKey, page, nextOffset)] };
}
