/**
 * The join: primary entries, a batch at a time, with their partners in each
 * contributing part. A partner is merged only when the match is certain: one
 * partner for the identity, and that partner matched by no other identity of
 * the batch, on a key not known to be ambiguous. Everything else goes on the
 * unresolved list and the identity is returned with its primary attributes.
 */
import type { Attribute, Entry, Filter, Value } from '../model.js';
import {
  type CompiledBranch, type SourcePart, contributorViewAttributes, primaryViewAttributes, virtualName, virtualValueFor,
} from './branch.js';
import {
  type Correlation, correlationKeys, keyOfTuple, lookupFilter, lookupsArePushable, rawTuples,
} from './correlation.js';
import type { DnRewriter } from './dn-rewrite.js';
import { normalizeDn } from '../dn.js';
import type { UnresolvedList } from './unresolved.js';

/** How a part's entries are found for a primary entry. */
export interface Link {
  part: SourcePart;
  scope: 'sub' | 'one';
  /** False when equality lookups on raw values could miss partners (digits-only): the part is scanned once instead. */
  pushable: boolean;
  primaryTuples(primarySource: Entry, primaryView: Attribute[]): Value[][];
  keyOf(tuple: Value[]): string;
  partKeys(partSource: Entry): string[];
  lookup(tuples: Value[][]): Filter;
  /** Source attributes the part needs for partKeys. */
  keyAttributes: string[];
  /** A part entry's tuples (for driving a search from this part). */
  partTuples(partSource: Entry): Value[][];
  /** The primary entries (source terms, without the branch filter) for tuples taken from this part. */
  primaryLookup(tuples: Value[][]): Filter;
}

export function correlationLink(branch: CompiledBranch, part: SourcePart, c: Correlation): Link {
  return {
    part,
    scope: 'sub',
    pushable: lookupsArePushable(c),
    primaryTuples: (primarySource) => rawTuples(branch.primary, c, primarySource),
    keyOf: (t) => keyOfTuple(c, t),
    partKeys: (e) => correlationKeys(part, c, e),
    lookup: (tuples) => lookupFilter(part, c, tuples),
    keyAttributes: c.attributes.map((a) => part.mapping.toSource(a)),
    partTuples: (e) => rawTuples(part, c, e),
    primaryLookup: (tuples) => lookupFilter({ ...branch.primary, filter: undefined }, c, tuples),
  };
}

/** The profile part is keyed by the virtual entry's naming value: `<rdnAttribute>=<value>,<container>`. */
export function profileLink(branch: CompiledBranch, part: SourcePart): Link {
  const attr = part.mapping.toSource(branch.rdnAttribute);
  const norm = (v: Value) => (typeof v === 'string' ? v : v.toString('utf8')).trim().toLowerCase();
  return {
    part,
    scope: 'one',
    pushable: true,
    primaryTuples: (_s, view) => {
      const a = view.find((x) => x.type.toLowerCase() === branch.rdnAttribute.toLowerCase());
      return (a?.values ?? []).map((v) => [v]);
    },
    keyOf: (t) => norm(t[0]!),
    partKeys: (e) => e.attributes.filter((a) => a.type.toLowerCase() === attr.toLowerCase()).flatMap((a) => a.values.map(norm)),
    lookup: (tuples) => {
      const terms: Filter[] = tuples.map((t) => ({ type: 'equality', attribute: attr, value: t[0]! }));
      return terms.length === 1 ? terms[0]! : { type: 'or', filters: terms };
    },
    keyAttributes: [attr],
    partTuples: (e) => e.attributes.filter((a) => a.type.toLowerCase() === attr.toLowerCase()).flatMap((a) => a.values.map((v) => [v])),
    primaryLookup: (tuples) => {
      const src = branch.primary.mapping.toSource(branch.rdnAttribute);
      const terms: Filter[] = tuples.map((t) => ({ type: 'equality', attribute: src, value: t[0]! }));
      return terms.length === 1 ? terms[0]! : { type: 'or', filters: terms };
    },
  };
}

export function linkFor(branch: CompiledBranch, part: SourcePart): Link | undefined {
  if (part.role === 'profile') return profileLink(branch, part);
  return branch.correlation ? correlationLink(branch, part, branch.correlation) : undefined;
}

export interface PrimaryItem {
  source: Entry;
  view: Attribute[];
  dn: string;
  /** The normalised virtual DN. */
  key: string;
}

export interface JoinedEntry {
  entry: Entry;
  /** The normalised virtual DN. */
  key: string;
  branch: CompiledBranch;
  /** [source name, DN] of every source entry the join used (keyed for the cache only when cached). */
  sourceDns: Array<[string, string]>;
  primaryDn: string;
  /** The partner DN per part id, where one was merged. */
  partners: Map<string, string>;
  /** Correlation keys of the identity (for cache invalidation). */
  keys: string[];
  /** False when a part that was asked for did not answer. */
  complete: boolean;
}

export function sourceKey(sourceName: string, dn: string): string {
  return `${sourceName}\u0000${normalizedSourceDn(dn)}`;
}

/** A source DN as the cache's source index keys it. */
export function normalizedSourceDn(dn: string): string {
  try { return normalizeDn(dn); } catch { return dn.toLowerCase(); }
}

/** Primary source entries in view form, named; entries without a naming value are skipped. */
export function toPrimaryItems(branch: CompiledBranch, rewriter: DnRewriter, entries: Entry[]): PrimaryItem[] {
  const out: PrimaryItem[] = [];
  for (const e of entries) {
    const view = rewriter.attributesToVirtual(branch.primary.sourceName, primaryViewAttributes(branch, e));
    const value = virtualValueFor(branch, view, e.dn);
    if (value !== undefined) out.push({ source: e, view, ...virtualName(branch, value) });
  }
  return out;
}

/** The partner entries a part holds for a set of tuples. */
export type PartnerFetch = (link: Link, tuples: Value[][]) => Promise<Entry[]>;

export interface JoinOptions {
  branch: CompiledBranch;
  links: Link[];
  fetch: PartnerFetch;
  rewriter: DnRewriter;
  unresolved: UnresolvedList;
  /** Called when a part cannot answer (down); the part is then left out. */
  onUnavailable: (part: SourcePart, err: unknown) => void;
  isUnavailableError: (err: unknown) => boolean;
}

export async function joinBatch(items: PrimaryItem[], o: JoinOptions): Promise<JoinedEntry[]> {
  const { branch } = o;
  const joined: JoinedEntry[] = items.map((p) => ({
    // p.view is this batch's own copy (made by the mapping), so it is extended in place.
    entry: { dn: p.dn, attributes: p.view },
    key: p.key,
    branch,
    sourceDns: [[branch.primary.sourceName, p.source.dn]],
    primaryDn: p.source.dn,
    partners: new Map(),
    keys: [],
    complete: true,
  }));
  if (branch.correlation) {
    for (let i = 0; i < items.length; i += 1) {
      joined[i]!.keys = rawTuples(branch.primary, branch.correlation, items[i]!.source).map((t) => keyOfTuple(branch.correlation!, t));
    }
  }
  await Promise.all(o.links.map(async (link) => {
    const part = link.part;
    const tuplesPer = items.map((p) => link.primaryTuples(p.source, p.view));
    const all = tuplesPer.flat();
    let partners: Entry[] = [];
    if (all.length > 0) {
      try {
        partners = await o.fetch(link, all);
      } catch (err) {
        if (!o.isUnavailableError(err)) throw err;
        o.onUnavailable(part, err);
        for (const j of joined) j.complete = false;
        return;
      }
    }
    const byKey = new Map<string, Entry[]>();
    for (const e of partners) {
      for (const k of link.partKeys(e)) {
        const list = byKey.get(k) ?? [];
        if (!list.some((x) => x.dn.toLowerCase() === e.dn.toLowerCase())) list.push(e);
        byKey.set(k, list);
      }
    }
    const candidatesPer = tuplesPer.map((tuples) => {
      const found = new Map<string, Entry>();
      for (const t of tuples) for (const e of byKey.get(link.keyOf(t)) ?? []) found.set(e.dn.toLowerCase(), e);
      return [...found.values()];
    });
    const users = new Map<string, number[]>();
    candidatesPer.forEach((cands, i) => {
      for (const c of cands) users.set(c.dn.toLowerCase(), [...(users.get(c.dn.toLowerCase()) ?? []), i]);
    });
    const record = (item: Parameters<UnresolvedList['add']>[0], block: boolean) =>
      o.unresolved.add(item, block ? { branchId: branch.id, partId: part.id } : undefined);
    items.forEach((p, i) => {
      const cands = candidatesPer[i]!;
      const keys = tuplesPer[i]!.map((t) => link.keyOf(t));
      const base = { view: branch.viewSuffix, branch: branch.name, virtualDn: p.dn };
      if (cands.length === 0) {
        if (part.required) {
          record({
            ...base, reason: keys.length === 0 ? 'correlation-value-missing' : 'contributor-missing',
            source: branch.primary.sourceName, sourceDn: p.source.dn, otherSource: part.sourceName,
            ...(keys[0] !== undefined ? { correlationValue: keys[0] } : {}),
          }, false);
        }
        return;
      }
      if (cands.length > 1) {
        record({
          ...base, reason: 'contributor-ambiguous', source: branch.primary.sourceName, sourceDn: p.source.dn,
          otherSource: part.sourceName, candidates: cands.map((c) => c.dn),
          ...(keys[0] !== undefined ? { correlationValue: keys[0] } : {}),
        }, true);
        return;
      }
      const partner = cands[0]!;
      const sharers = users.get(partner.dn.toLowerCase()) ?? [];
      if (sharers.length > 1) {
        record({
          view: branch.viewSuffix, branch: branch.name, reason: 'primary-ambiguous', source: part.sourceName,
          sourceDn: partner.dn, otherSource: branch.primary.sourceName, candidates: sharers.map((s) => items[s]!.source.dn),
          ...(keys[0] !== undefined ? { correlationValue: keys[0] } : {}),
        }, true);
        return;
      }
      if (keys.some((k) => o.unresolved.isBlocked(branch.id, part.id, k))) return;
      const j = joined[i]!;
      const attrs = o.rewriter.attributesToVirtual(part.sourceName, contributorViewAttributes(part, partner));
      for (const a of attrs) {
        const existing = j.entry.attributes.find((x) => x.type.toLowerCase() === a.type.toLowerCase());
        if (existing) existing.values.push(...a.values);
        else j.entry.attributes.push(a);
      }
      j.partners.set(part.id, partner.dn);
      j.sourceDns.push([part.sourceName, partner.dn]);
    });
  }));
  return joined;
}
