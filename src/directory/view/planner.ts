/**
 * Search planning over a branch. The client's filter (view terms) is split into
 * what each source can answer on its own, and one source is chosen to drive.
 *
 * Rules (simple on purpose, so an operator can predict them):
 * 1. Relaxation: for each source part, keep the parts of the filter that name
 *    only attributes it owns (AND keeps the answerable conjuncts, OR survives
 *    only if every branch is answerable, NOT only if its whole operand is).
 *    Leaves on attributes with a value transform, on DN-valued attributes and on
 *    entryDN are never pushed: sources hold other values there. A relaxed filter
 *    selects a superset of the entries the whole filter selects.
 * 2. Driver: each relaxed filter gets a selectivity score (equality 3,
 *    substring with an initial part 2, other substring, ordering, approx and
 *    extensible 1, presence and objectClass 0; AND takes the best conjunct, OR
 *    the worst branch). The primary drives unless a contributor scores higher;
 *    then that contributor is searched first and its correlation values become
 *    an OR filter for the primary, batch by batch.
 * 3. Whatever drives, entries are joined and the WHOLE filter is applied to the
 *    joined entries; the pushed parts only cut down what travels.
 * 4. Limits: with `refuseUnindexedSubstrings`, a filter holding a substring on
 *    an attribute outside `indexedAttributes` is refused unless the driving
 *    filter is anchored by an indexed equality or initial-substring assertion.
 */
import { DirgateError } from '../../errors.js';
import type { Filter } from '../model.js';
import { type CompiledBranch, type SourcePart, ownerOf } from './branch.js';
import { baseAttributeName, formatFilter } from './filter-text.js';
import { syntaxOf } from './matching.js';

export interface Plan {
  /** The part searched first: the primary, or a contributor. */
  driver: SourcePart;
  /** Relaxed filter per part id, in VIEW terms (undefined: no constraint). */
  relaxed: Map<string, Filter | undefined>;
  /** Relaxed filters mapped to each part's source terms, branch filter included. */
  sourceFilters: Map<string, Filter | undefined>;
  /** The whole filter, applied to joined entries. */
  filter: Filter;
  /** One line for logs and tests. */
  describe: string;
}

function pushable(part: SourcePart, attribute: string): boolean {
  const name = baseAttributeName(attribute);
  if (name === 'entrydn') return false;
  if (syntaxOf(name) === 'dn') return false;
  return part.mapping.transformOf(name) === 'none';
}

function ownedAndPushable(branch: CompiledBranch, part: SourcePart, attribute: string): boolean {
  return ownerOf(branch, attribute) === part && pushable(part, attribute);
}

/** Whether every leaf of `f` is owned by `part` and pushable. */
function wholly(branch: CompiledBranch, part: SourcePart, f: Filter): boolean {
  switch (f.type) {
    case 'and': case 'or': return f.filters.every((c) => wholly(branch, part, c));
    case 'not': return wholly(branch, part, f.filter);
    case 'extensible': return !f.dnAttributes && f.attribute !== undefined && ownedAndPushable(branch, part, f.attribute);
    default: return ownedAndPushable(branch, part, f.attribute);
  }
}

/** The part of `f` that `part` can answer alone, in view terms; undefined means "no constraint". */
export function relax(branch: CompiledBranch, part: SourcePart, f: Filter): Filter | undefined {
  switch (f.type) {
    case 'and': {
      const kept = f.filters.map((c) => relax(branch, part, c)).filter((c): c is Filter => c !== undefined);
      if (kept.length === 0) return undefined;
      return kept.length === 1 ? kept[0] : { type: 'and', filters: kept };
    }
    case 'or': {
      const kept = f.filters.map((c) => relax(branch, part, c));
      if (kept.length === 0 || kept.some((c) => c === undefined)) return undefined;
      return kept.length === 1 ? kept[0] : { type: 'or', filters: kept as Filter[] };
    }
    case 'not':
      return wholly(branch, part, f.filter) ? f : undefined;
    default:
      return wholly(branch, part, f) ? f : undefined;
  }
}

/** A view-terms filter in a part's source terms (names and objectClass values mapped). */
export function toSourceFilter(part: SourcePart, f: Filter): Filter {
  const m = part.mapping;
  switch (f.type) {
    case 'and': return { type: 'and', filters: f.filters.map((c) => toSourceFilter(part, c)) };
    case 'or': return { type: 'or', filters: f.filters.map((c) => toSourceFilter(part, c)) };
    case 'not': return { type: 'not', filter: toSourceFilter(part, f.filter) };
    case 'present': return { type: 'present', attribute: m.toSource(f.attribute) };
    case 'substrings': return { ...f, attribute: m.toSource(f.attribute) };
    case 'extensible': return f.attribute ? { ...f, attribute: m.toSource(f.attribute) } : f;
    default: {
      const isOc = baseAttributeName(f.attribute) === 'objectclass';
      return { ...f, attribute: m.toSource(f.attribute), value: isOc ? m.objectClassToSource(f.value) : f.value };
    }
  }
}

export function withBranchFilter(part: SourcePart, f: Filter | undefined): Filter | undefined {
  if (!part.filter) return f;
  if (!f) return part.filter;
  return { type: 'and', filters: [part.filter, f] };
}

export function selectivity(f: Filter | undefined): number {
  if (!f) return 0;
  switch (f.type) {
    case 'and': return Math.max(0, ...f.filters.map(selectivity));
    case 'or': return Math.min(...f.filters.map(selectivity));
    case 'not': return 0;
    case 'present': return 0;
    case 'equality': return baseAttributeName(f.attribute) === 'objectclass' ? 0 : 3;
    case 'substrings': return f.initial !== undefined ? 2 : 1;
    default: return 1;
  }
}

function substringAttributes(f: Filter, into: string[] = []): string[] {
  switch (f.type) {
    case 'and': case 'or': f.filters.forEach((c) => substringAttributes(c, into)); break;
    case 'not': substringAttributes(f.filter, into); break;
    case 'substrings': into.push(baseAttributeName(f.attribute)); break;
    default: break;
  }
  return into;
}

function anchored(f: Filter | undefined, indexed: Set<string>): boolean {
  if (!f) return false;
  switch (f.type) {
    case 'and': return f.filters.some((c) => anchored(c, indexed));
    case 'or': return f.filters.length > 0 && f.filters.every((c) => anchored(c, indexed));
    case 'equality': return indexed.has(baseAttributeName(f.attribute)) && baseAttributeName(f.attribute) !== 'objectclass';
    case 'substrings': return f.initial !== undefined && indexed.has(baseAttributeName(f.attribute));
    default: return false;
  }
}

/** Plans a search of a branch's entries; throws ERR_ADMIN_LIMIT_EXCEEDED for filters the limits refuse. */
export function planSearch(branch: CompiledBranch, filter: Filter, usableParts?: Set<string>): Plan {
  const parts = [branch.primary, ...branch.contributors];
  const relaxed = new Map<string, Filter | undefined>();
  for (const p of parts) relaxed.set(p.id, relax(branch, p, filter));
  let driver: SourcePart = branch.primary;
  let best = selectivity(relaxed.get('primary'));
  for (const c of branch.contributors) {
    if (usableParts && !usableParts.has(c.id)) continue;
    const s = selectivity(relaxed.get(c.id));
    if (s > best) { best = s; driver = c; }
  }
  const limits = branch.limits;
  if (limits.refuseUnindexedSubstrings) {
    const indexed = new Set(limits.indexedAttributes.map((a) => a.toLowerCase()));
    const unindexed = substringAttributes(filter).filter((a) => !indexed.has(a));
    if (unindexed.length > 0 && !anchored(relaxed.get(driver.id), indexed)) {
      throw new DirgateError(
        'ERR_ADMIN_LIMIT_EXCEEDED',
        `the filter needs a substring search on ${[...new Set(unindexed)].join(', ')} over ${branch.dn}, which is not indexed; add an equality on an indexed attribute`,
        { reason: 'unindexed-substring' },
      );
    }
  }
  const sourceFilters = new Map<string, Filter | undefined>();
  for (const p of parts) {
    const r = relaxed.get(p.id);
    sourceFilters.set(p.id, withBranchFilter(p, r ? toSourceFilter(p, r) : undefined));
  }
  const describe = `${branch.name}: driver=${driver.id}(${driver.sourceName}) ` +
    parts.map((p) => `${p.id}=${relaxed.get(p.id) ? formatFilter(relaxed.get(p.id)!) : '*'}`).join(' ');
  return { driver, relaxed, sourceFilters, filter, describe };
}
