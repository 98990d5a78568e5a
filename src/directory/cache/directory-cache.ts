/**
 * The view's cache: joined entries by virtual DN and complete search results by
 * request, each an lru-cache bounded by count and bytes with a time-to-live.
 * Side indexes say which cached items a change touches, so invalidation is
 * precise: an entry by its virtual DN, by a source entry it was built from, or
 * by a correlation key; a search by any base at or above (or below) a changed
 * DN, or by a branch it read.
 */
import { LRUCache } from 'lru-cache';
import type { CacheConfig } from '../../config/types.js';
import type { Entry, OperationResult } from '../model.js';
import { entrySize } from './size.js';

export interface CachedEntry {
  entry: Entry;
  /** `<view suffix>#<branch>`. */
  branchId: string;
  /** The primary source DN, for binds and writes. */
  primaryDn: string;
  /** `<source>\0<normalised DN>` of every source entry the join used. */
  sourceKeys: string[];
  /** Correlation keys, prefixed by nothing: the branch scopes them. */
  keys: string[];
}

export interface CachedSearch {
  entries: Entry[];
  result: OperationResult;
  /** Normalised base DN of the request. */
  baseKey: string;
  branchIds: string[];
}

export interface CacheCounters { hits: number; misses: number; size: number; bytes: number; evictions: number }
export interface CacheStats {
  enabled: boolean;
  entries: CacheCounters;
  searches: CacheCounters;
  invalidations: number;
}

class Index {
  private readonly map = new Map<string, Set<string>>();
  add(k: string, item: string): void {
    let s = this.map.get(k);
    if (!s) { s = new Set(); this.map.set(k, s); }
    s.add(item);
  }
  remove(k: string, item: string): void {
    const s = this.map.get(k);
    if (!s) return;
    s.delete(item);
    if (s.size === 0) this.map.delete(k);
  }
  get(k: string): string[] {
    return [...(this.map.get(k) ?? [])];
  }
  keys(): IterableIterator<string> {
    return this.map.keys();
  }
}

const ANCESTOR_SEPARATOR = ',';

/** Normalised DNs of `key` and every ancestor, up to the root (the empty DN). */
function selfAndAncestors(key: string): string[] {
  const out: string[] = [key];
  // Normalised DNs escape commas inside values as `\,`, so split on unescaped commas only.
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < key.length; i += 1) {
    const c = key[i]!;
    if (c === '\\') { cur += c + (key[i + 1] ?? ''); i += 1; continue; }
    if (c === ANCESTOR_SEPARATOR) { parts.push(cur); cur = ''; continue; }
    cur += c;
  }
  parts.push(cur);
  for (let k = 1; k <= parts.length; k += 1) out.push(parts.slice(k).join(ANCESTOR_SEPARATOR));
  return out;
}

function isBelow(key: string, base: string): boolean {
  return base === '' ? key !== '' : key.length > base.length && key.endsWith(`,${base}`);
}

export class DirectoryCache {
  readonly enabled: boolean;
  private readonly entries: LRUCache<string, CachedEntry>;
  private readonly searches: LRUCache<string, CachedSearch>;
  private readonly counters = {
    entries: { hits: 0, misses: 0, evictions: 0 },
    searches: { hits: 0, misses: 0, evictions: 0 },
    invalidations: 0,
  };
  private readonly byDn = new Index();
  private readonly bySource = new Index();
  private readonly byKey = new Index();
  private readonly byBranch = new Index();
  private readonly searchesByBase = new Index();
  private readonly searchesByBranch = new Index();
  /** The largest result set kept whole in the search cache. */
  readonly maxResultEntries: number;

  /** `clock` replaces performance.now for the time-to-live (tests drive time). */
  constructor(config: CacheConfig & { maxResultEntries?: number }, clock?: { now: () => number }) {
    this.enabled = config.enabled;
    this.maxResultEntries = config.maxResultEntries ?? 1000;
    const ttl = config.ttlSeconds * 1000;
    const half = Math.max(1024, Math.floor(config.maxBytes / 2));
    this.entries = new LRUCache<string, CachedEntry>({
      max: config.maxEntries,
      maxSize: half,
      ttl,
      ...(clock ? { perf: clock, ttlResolution: 0 } : {}),
      sizeCalculation: (v, k) => Math.max(1, entrySize(v.entry) + k.length * 2 + 64 * (v.sourceKeys.length + v.keys.length)),
      dispose: (v, k, reason) => {
        if (reason === 'evict') this.counters.entries.evictions += 1;
        this.unindexEntry(k, v);
      },
    });
    this.searches = new LRUCache<string, CachedSearch>({
      // Each search result holds many entries: a tenth of the entry budget by count.
      max: Math.max(1, Math.floor(config.maxEntries / 10)),
      maxSize: half,
      ttl,
      ...(clock ? { perf: clock, ttlResolution: 0 } : {}),
      sizeCalculation: (v, k) => Math.max(1, v.entries.reduce((n, e) => n + entrySize(e), 0) + k.length * 2 + 64),
      dispose: (v, k, reason) => {
        if (reason === 'evict') this.counters.searches.evictions += 1;
        this.searchesByBase.remove(v.baseKey, k);
        for (const b of v.branchIds) this.searchesByBranch.remove(b, k);
      },
    });
  }

  private static entryKey(identity: string, dnKey: string): string {
    return `${identity}\u0000${dnKey}`;
  }

  private unindexEntry(k: string, v: CachedEntry): void {
    const dnKey = k.slice(k.indexOf('\u0000') + 1);
    this.byDn.remove(dnKey, k);
    for (const s of v.sourceKeys) this.bySource.remove(s, k);
    for (const key of v.keys) this.byKey.remove(`${v.branchId}\u0000${key}`, k);
    this.byBranch.remove(v.branchId, k);
  }

  getEntry(identity: string, dnKey: string): CachedEntry | undefined {
    if (!this.enabled) return undefined;
    const v = this.entries.get(DirectoryCache.entryKey(identity, dnKey));
    if (v) this.counters.entries.hits += 1;
    else this.counters.entries.misses += 1;
    return v;
  }

  setEntry(identity: string, dnKey: string, value: CachedEntry): void {
    if (!this.enabled) return;
    const k = DirectoryCache.entryKey(identity, dnKey);
    this.entries.set(k, value);
    if (!this.entries.has(k)) return; // too big to keep
    this.byDn.add(dnKey, k);
    for (const s of value.sourceKeys) this.bySource.add(s, k);
    for (const key of value.keys) this.byKey.add(`${value.branchId}\u0000${key}`, k);
    this.byBranch.add(value.branchId, k);
  }

  getSearch(key: string): CachedSearch | undefined {
    if (!this.enabled) return undefined;
    const v = this.searches.get(key);
    if (v) this.counters.searches.hits += 1;
    else this.counters.searches.misses += 1;
    return v;
  }

  setSearch(key: string, value: CachedSearch): void {
    if (!this.enabled || value.entries.length > this.maxResultEntries) return;
    this.searches.set(key, value);
    if (!this.searches.has(key)) return;
    this.searchesByBase.add(value.baseKey, key);
    for (const b of value.branchIds) this.searchesByBranch.add(b, key);
  }

  private dropEntries(keys: string[]): void {
    for (const k of keys) if (this.entries.delete(k)) this.counters.invalidations += 1;
  }

  private dropSearches(keys: string[]): void {
    for (const k of keys) if (this.searches.delete(k)) this.counters.invalidations += 1;
  }

  /** A virtual DN changed (written, renamed, deleted): the entry and every search at, above or below it. */
  invalidateDn(dnKey: string): void {
    this.dropEntries(this.byDn.get(dnKey));
    for (const k of selfAndAncestors(dnKey)) this.dropSearches(this.searchesByBase.get(k));
    for (const base of [...this.searchesByBase.keys()]) if (isBelow(base, dnKey)) this.dropSearches(this.searchesByBase.get(base));
  }

  /** A source entry changed: every joined entry built from it. */
  invalidateSourceEntry(sourceKey: string): void {
    this.dropEntries(this.bySource.get(sourceKey));
  }

  /** A partner with this correlation key appeared or changed: identities with that key may join differently now. */
  invalidateKey(branchId: string, key: string): void {
    this.dropEntries(this.byKey.get(`${branchId}\u0000${key}`));
  }

  /** Every search that read the branch. */
  invalidateBranchSearches(branchId: string): void {
    this.dropSearches(this.searchesByBranch.get(branchId));
  }

  /** Everything of a branch (a change that cannot be placed precisely). */
  invalidateBranch(branchId: string): void {
    this.dropEntries(this.byBranch.get(branchId));
    this.invalidateBranchSearches(branchId);
  }

  clear(): void {
    this.entries.clear();
    this.searches.clear();
  }

  purgeStale(): void {
    this.entries.purgeStale();
    this.searches.purgeStale();
  }

  stats(): CacheStats {
    return {
      enabled: this.enabled,
      entries: { ...this.counters.entries, size: this.entries.size, bytes: this.entries.calculatedSize },
      searches: { ...this.counters.searches, size: this.searches.size, bytes: this.searches.calculatedSize },
      invalidations: this.counters.invalidations,
    };
  }
}
