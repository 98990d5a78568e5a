/**
 * What a change seen by the change poller drops from the cache. Joined entries
 * go as before (built from the changed source entry, sharing its correlation
 * keys, or named like it). Searches go only where the change may alter their
 * answer:
 *
 * - a result holding an entry built from the changed source entry, or one of
 *   the people the change re-joins (the primaries a changed contributor entry
 *   now correlates with), or a DN value the change may re-resolve
 *   (entry-dependencies.ts);
 * - a search whose base and scope take in a changed person's virtual DN and
 *   whose filter that person's new state may match, judged with three-valued
 *   logic on what is known of it: the changed entry's attributes (all user
 *   attributes, and by name those cached filters use), the other sources'
 *   parts from the cached joined entry when it is current, else unknown. A
 *   changed contributor entry may join its person or (ambiguous, blocked) not:
 *   both are tried. A person seen changed twice in one poll is all unknown.
 *
 * What cannot be placed drops every search of the branch: a contributor whose
 * correlation cannot be looked up by value (digits-only), or a lookup that
 * fails. A change that names no person (a container, an entry without the
 * naming attribute) alters no result by itself. A rename is seen as a new
 * entry; the old name, like a deletion, leaves when its time-to-live runs out.
 */
import type { Logger } from '../../log.js';
import type { Attribute, Entry, Filter } from '../model.js';
import {
  type CompiledBranch, type CompiledView, type SourcePart, contributorViewAttributes, ownerOf, sourceRdnAttribute, virtualName,
  virtualValueFor,
} from '../view/branch.js';
import { keyOfTuple, lookupFilter, lookupsArePushable, rawTuples } from '../view/correlation.js';
import type { DnRewriter } from '../view/dn-rewrite.js';
import { evaluateKnown } from '../view/filter-eval.js';
import { type PrimaryItem, linkFor, sourceKey, toPrimaryItems } from '../view/join.js';
import { collectEntries } from '../view/source-io.js';
import { parseDn } from '../dn.js';
import type { ChangedEntry } from './change-poller.js';
import type { DirectoryCache } from './directory-cache.js';
import {
  dependencyDn, keyDependency, referencesDependency, sourceDependency, virtualDependency,
} from './dependencies.js';
import { contributorDnAttributes } from './entry-dependencies.js';

export interface ChangeImpactContext {
  views: CompiledView[];
  branches: CompiledBranch[];
  rewriter: DnRewriter;
  cache: DirectoryCache;
  log: Logger;
  /** A branch whose source entries changed (for the unresolved list's reconciliation). */
  touched: (branch: CompiledBranch) => void;
}

/** One way a person's new state may be: attributes, and which attributes (lower-case) are known. */
interface World { entry: Entry; known: (name: string) => boolean }

/** A person a change may alter: what is known of their new state. */
interface Observation {
  branch: CompiledBranch;
  item: PrimaryItem;
  /** The primary entry's attribute names asked for by name (lower-case, source terms). */
  primaryRequested: ReadonlySet<string>;
  /** The changed contributor parts and their entries (none when only the primary changed). */
  changedParts: ChangedPart[];
  /** The changes' source keys (`<source>\0<dn key>`). */
  own: Set<string>;
}

interface ChangedPart { part: SourcePart; entry: Entry; requested: ReadonlySet<string> }

/**
 * One observation of a person seen through several changes of the poll: the primary state from a lookup made
 * after them (or the changed primary entry), every changed part; undefined when one part changed twice (two
 * partners: the join is ambiguous, and judged all unknown).
 */
function merge(list: Observation[]): Observation | undefined {
  if (list.length === 1) return list[0];
  const looked = list.find((o) => o.changedParts.length > 0) ?? list[0]!;
  const parts: ChangedPart[] = [];
  for (const o of list) {
    if (o.branch !== looked.branch) return undefined;
    for (const p of o.changedParts) {
      if (parts.some((x) => x.part === p.part)) return undefined;
      parts.push(p);
    }
  }
  return { ...looked, changedParts: parts, own: new Set(list.flatMap((o) => [...o.own])) };
}

const LOOKUP_CHUNK = 100;

/** Source names of the view attributes cached searches filter on, for one part (what the poll asks for by name). */
export function filterSourceAttributes(cache: DirectoryCache, part: SourcePart): string[] {
  return [...cache.filterAttributes()].map((a) => part.mapping.toSource(a));
}

function lower(names: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const n of names) out.add(n.toLowerCase());
  return out;
}

function and(...filters: Array<Filter | undefined>): Filter {
  const fs = filters.filter((f): f is Filter => f !== undefined);
  return fs.length === 1 ? fs[0]! : { type: 'and', filters: fs };
}

async function lookupPrimaries(branch: CompiledBranch, filter: Filter, attributes: string[]): Promise<Entry[]> {
  return collectEntries(branch.primary.source, {
    baseDN: branch.primary.baseDn, scope: 'sub', filter: and(branch.primary.filter, filter), attributes,
  });
}

/**
 * More changes than this under one branch in one poll (a bulk load, an HR
 * feed, a provisioning burst) and the branch's searches are dropped whole:
 * judging each change costs a lookup in the primary source, and thousands of
 * them would queue the requests behind them for seconds.
 */
export const PRECISE_CHANGES_PER_BRANCH = 64;
/** Primary lookups a poll runs at once, so it never takes the source's whole pool from the requests. */
const LOOKUPS_AT_ONCE = 2;

async function runLimited(tasks: Array<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += LOOKUP_CHUNK) out.push(items.slice(i, i + LOOKUP_CHUNK));
  return out;
}

/** The branches with more changes in this poll than are judged one by one. */
function burstBranches(branches: CompiledBranch[], changes: ChangedEntry[]): Set<CompiledBranch> {
  const counts = new Map<CompiledBranch, number>();
  for (const c of changes) {
    const dnKey = dependencyDn(c.entry.dn);
    for (const b of branches) {
      if ([b.primary, ...b.contributors].some((p) => p.sourceName === c.sourceName && isUnderKey(dnKey, p.baseKey))) {
        counts.set(b, (counts.get(b) ?? 0) + 1);
      }
    }
  }
  return new Set([...counts].filter(([, n]) => n > PRECISE_CHANGES_PER_BRANCH).map(([b]) => b));
}

/** Drops what the poll's changes may have altered. Never throws: what it cannot judge, it drops. */
export async function applyChanges(ctx: ChangeImpactContext, changes: ChangedEntry[]): Promise<void> {
  const { cache, branches, rewriter } = ctx;
  const deps = new Map<CompiledBranch, string[]>();
  const dep = (b: CompiledBranch, d: string) => { const l = deps.get(b); if (l) l.push(d); else deps.set(b, [d]); };
  const wholeBranch = new Set<CompiledBranch>();
  const entryDns = new Set<string>();
  const observations: Observation[] = [];
  const changed = new Set(changes.map((c) => `${c.sourceName}\u0000${dependencyDn(c.entry.dn)}`));
  const referenced = branches.some((b) => contributorDnAttributes(b).size > 0);
  // Walks every cached search's filter: once per poll, not once per changed contributor entry.
  let filterNamesOnce: string[] | undefined;
  const filterNames = (): string[] => (filterNamesOnce ??= [...cache.filterAttributes()]);
  const lookups: Array<() => Promise<void>> = [];
  const burst = burstBranches(branches, changes);
  for (const b of burst) { wholeBranch.add(b); ctx.touched(b); }

  for (const c of changes) {
    cache.invalidateSourceEntry(sourceKey(c.sourceName, c.entry.dn));
    const dnKey = dependencyDn(c.entry.dn);
    const own = `${c.sourceName}\u0000${dnKey}`;
    let parsed;
    try { parsed = parseDn(c.entry.dn); } catch { parsed = undefined; }
    for (const b of branches) {
      for (const part of [b.primary, ...b.contributors]) {
        if (part.sourceName !== c.sourceName) continue;
        if (!parsed) { if (branchReads(b, c.sourceName)) { wholeBranch.add(b); ctx.touched(b); } continue; }
        if (!isUnderKey(dnKey, part.baseKey)) continue;
        ctx.touched(b);
        dep(b, sourceDependency(c.sourceName, dnKey));
        const link = linkFor(b, part);
        if (link) for (const k of link.partKeys(c.entry)) cache.invalidateKey(b.id, k);
        if (burst.has(b)) {
          // Every search of the branch goes: only the joined entries are placed, which costs no lookup.
          if (part === b.primary) {
            for (const old of cache.entryDnsBySource(c.sourceName, dnKey)) entryDns.add(old);
            const [item] = toPrimaryItems(b, rewriter, [c.entry]);
            if (item) entryDns.add(item.key);
          }
          continue;
        }
        if (part === b.primary) {
          for (const old of cache.entryDnsBySource(c.sourceName, dnKey)) { entryDns.add(old); dep(b, virtualDependency(old)); }
          const [item] = toPrimaryItems(b, rewriter, [c.entry]);
          if (!item) continue; // names no person
          entryDns.add(item.key);
          dep(b, virtualDependency(item.key));
          const keys = b.correlation ? rawTuples(b.primary, b.correlation, c.entry).map((t) => keyOfTuple(b.correlation!, t)) : [];
          for (const k of keys) dep(b, keyDependency(b.id, k));
          // Named by its naming value, the entry cannot change name without a new DN: no old name to look for.
          const leaf = parsed[0];
          const pinned = leaf?.length === 1 && leaf[0]!.type.toLowerCase() === sourceRdnAttribute(b).toLowerCase()
            && leaf[0]!.value.toLowerCase() === (virtualValueFor(b, item.view, c.entry.dn) ?? '').toLowerCase();
          if (!pinned && cache.entryDnsBySource(c.sourceName, dnKey).length === 0) dep(b, referencesDependency(b.id));
          observations.push({ branch: b, item, primaryRequested: c.requested, changedParts: [], own: new Set([own]) });
          // Contributor DN values resolved by these keys may now name this person instead of another holder.
          if (referenced && b.correlation && keys.length > 0) {
            const corr = b.correlation;
            if (!lookupsArePushable(corr)) { dep(b, referencesDependency(b.id)); continue; }
            const tuples = rawTuples(b.primary, corr, c.entry);
            lookups.push(() => (async () => {
              for (const t of chunks(tuples)) {
                const found = await lookupPrimaries(b, lookupFilter({ ...b.primary, filter: undefined }, corr, t),
                  [sourceRdnAttribute(b), ...corr.attributes.map((a) => b.primary.mapping.toSource(a))]);
                for (const e of toPrimaryItems(b, rewriter, found)) dep(b, virtualDependency(e.key));
              }
            })().catch(() => { wholeBranch.add(b); }));
          }
        } else {
          if (part.role === 'profile') {
            // Keyed by the naming value: the person's entry is named by it.
            const v = c.entry.attributes.find((a) => a.type.toLowerCase() === part.mapping.toSource(b.rdnAttribute).toLowerCase())?.values[0]
              ?? parsed[0]?.[0]?.value;
            if (typeof v === 'string') entryDns.add(virtualName(b, v).key);
          }
          if (!link) continue; // joins nobody
          const tuples = link.partTuples(c.entry);
          if (tuples.length === 0) continue;
          if (!link.pushable) { wholeBranch.add(b); continue; }
          const requested = lower([sourceRdnAttribute(b), ...filterNames().map((a) => b.primary.mapping.toSource(a))]);
          lookups.push(() => (async () => {
            for (const t of chunks(tuples)) {
              const found = await lookupPrimaries(b, link.primaryLookup(t), ['*', ...requested]);
              for (const item of toPrimaryItems(b, rewriter, found)) {
                entryDns.add(item.key);
                dep(b, sourceDependency(b.primary.sourceName, dependencyDn(item.source.dn)));
                observations.push({
                  branch: b, item, primaryRequested: requested, changedParts: [{ part, entry: c.entry, requested: c.requested }], own: new Set([own]),
                });
              }
            }
          })().catch(() => { wholeBranch.add(b); }));
        }
      }
    }
  }
  await runLimited(lookups, LOOKUPS_AT_ONCE);

  for (const k of entryDns) cache.invalidateEntryDn(k);
  // States first: they read the entry cache, which the drops below do not touch (searches only).
  const byPerson = new Map<string, Observation[]>();
  for (const o of observations) {
    const l = byPerson.get(o.item.key);
    if (l) l.push(o); else byPerson.set(o.item.key, [o]);
  }
  for (const b of wholeBranch) cache.invalidateBranchSearches(b.id);
  for (const [b, list] of deps) cache.invalidateSearchesDependingOn(list, b.id);
  for (const [key, list] of byPerson) {
    const one = merge(list);
    const worlds = one && one.changedParts.length <= 3 ? worldsOf(ctx, one, changed) : [unknownWorld(list[0]!.item.dn)];
    cache.invalidateSearchesCovering(key, (filter) => worlds.some((w) => evaluateKnown(filter, w.entry, w.known) !== false));
  }
}

function branchReads(b: CompiledBranch, sourceName: string): boolean {
  return b.primary.sourceName === sourceName || b.contributors.some((p) => p.sourceName === sourceName);
}

function isUnderKey(key: string, base: string): boolean {
  return key === base || base === '' || key.endsWith(`,${base}`);
}

function unknownWorld(dn: string): World {
  return { entry: { dn, attributes: [] }, known: () => false };
}

/**
 * The ways the observed person's new state may be: each changed contributor entry joined to the person, or not
 * (ambiguous or blocked, which a poll cannot tell).
 */
function worldsOf(ctx: ChangeImpactContext, o: Observation, changed: ReadonlySet<string>): World[] {
  const { branch: b, item } = o;
  const dnOwned = contributorDnAttributes(b);
  const record = ctx.cache.peekEntry(item.key);
  // The cached join is current for the parts that did not change: same primary, same keys, no other part changed in this poll.
  const keys = b.correlation ? rawTuples(b.primary, b.correlation, item.source).map((t) => keyOfTuple(b.correlation!, t)) : [];
  const current = record !== undefined && record.branchId === b.id
    && dependencyDn(record.primaryDn) === dependencyDn(item.source.dn)
    && record.keys.length === keys.length && record.keys.every((k) => keys.includes(k))
    && record.sources.every(([s, dn]) => { const k = `${s}\u0000${dn}`; return o.own.has(k) || !changed.has(k); });
  const parts = o.changedParts.map((c) => ({
    ...c, attributes: ctx.rewriter.attributesToVirtual(c.part.sourceName, contributorViewAttributes(c.part, c.entry)),
  }));
  const has = (attrs: Attribute[], name: string) => attrs.some((a) => a.type.toLowerCase().split(';')[0] === name);
  const world = (joined: boolean[]): World => {
    const attributes: Attribute[] = [...item.view];
    if (current) {
      for (const a of record.entry.attributes) {
        const owner = ownerOf(b, a.type);
        if (owner !== b.primary && !parts.some((p) => p.part === owner)) attributes.push(a);
      }
    }
    parts.forEach((p, i) => { if (joined[i]) attributes.push(...p.attributes); });
    const known = (name: string): boolean => {
      const owner = ownerOf(b, name);
      if (owner === b.primary) return has(item.view, name) || o.primaryRequested.has(b.primary.mapping.toSource(name).toLowerCase());
      // A contributor's DN values are resolved by a lookup of their own: not known here.
      if (dnOwned.has(name)) return false;
      const i = parts.findIndex((p) => p.part === owner);
      if (i >= 0) return !joined[i] || has(parts[i]!.attributes, name) || parts[i]!.requested.has(owner.mapping.toSource(name).toLowerCase());
      return current;
    };
    return { entry: { dn: item.dn, attributes }, known };
  };
  const worlds: World[] = [];
  for (let mask = 0; mask < 1 << parts.length; mask += 1) worlds.push(world(parts.map((_, i) => (mask & (1 << i)) !== 0)));
  return worlds;
}
