/**
 * The view's cache: joined entries by virtual DN and complete search results by
 * request, each an lru-cache bounded by count and bytes with a time-to-live.
 * Side indexes say which cached items a change touches, so invalidation is
 * precise: an entry by its virtual DN, by a source entry it was built from, or
 * by a correlation key; a search by any base at or above (or below) a changed
 * DN, or by a branch it read.
 *
 * Entries are held packed (packed.ts) and a search result refers to the entry
 * cache's packed entry wherever its entry is that same entry, rather than
 * holding a second copy. Each half is charged, in bytes, everything it keeps
 * alive, so a packed entry both hold is charged to both: the sum is an upper
 * bound of the memory held, each half's figure is that half's own cost.
 *
 * A search also keeps what it depends on (dependencies.ts), its scope and its
 * filter, so that a change seen by the change poller drops only the results it
 * may have altered: those holding an entry built from the changed source entry,
 * and those whose base and filter the changed entry's new state may now match.
 *
 * Most index keys name one cached item: the item itself is kept, not a Set of
 * one. An entry's virtual DN is its key in the entry cache (identity ''), so it
 * needs no index of its own; nor does the branch, whose entries are found by a
 * scan when the whole branch goes (rare, and then most entries go).
 */
import { LRUCache } from 'lru-cache';
import type { CacheConfig } from '../../config/types.js';
import type { Entry, Filter, OperationResult, Scope } from '../model.js';
import { dependencyHash, dependencySet, hasDependency } from './dependencies.js';
import { PackedEntry, ShapeTable, type Slot, packAttributes, packEntry, samePacked, unpackEntry } from './packed.js';
import { ARRAY_BYTES, MAP_ENTRY_BYTES, OBJECT_HEADER_BYTES, POINTER_BYTES, stringBytes, valueBytes } from './size.js';

export interface CachedEntry {
  entry: Entry;
  /** `<view suffix>#<branch>`. */
  branchId: string;
  /** The primary source DN, for binds and writes. */
  primaryDn: string;
  /** [source name, normalised DN] of every source entry the join used. */
  sources: Array<[string, string]>;
  /** Correlation keys, prefixed by nothing: the branch scopes them. */
  keys: string[];
}

export interface CachedSearch {
  /** The entries, or a collector that packed them as the search found them (DirectoryCache.collector). */
  entries: Entry[] | ResultCollector;
  /** With an array of entries: what ResultCollector.add's `dnKey` says, for each entry. */
  entryKeys?: ReadonlyArray<string | undefined>;
  /** With an array of entries: what ResultCollector.add's `dependencies` says, for each entry. */
  entryDependencies?: ReadonlyArray<readonly string[] | undefined>;
  result: OperationResult;
  /** Normalised base DN of the request. */
  baseKey: string;
  branchIds: string[];
  /** The request's scope and filter; without them, any change in its branches drops the search. */
  scope?: Scope;
  filter?: Filter;
}

/**
 * A search result gathered for the cache while the search runs: each entry is
 * packed (or found in the entry cache) as it is added, so the search holds no
 * Entry objects for the cache meanwhile. Held until the search ends, they would
 * outlive the young generation and be collected only by a full collection,
 * growing the heap far past what the cache keeps.
 */
export class ResultCollector {
  /** @internal */ readonly packed: PackedEntry[] = [];
  /** @internal */ bytes = 0;
  /** @internal Hashes of what the entries depend on; undefined once an entry came without. */
  hashes: number[] | undefined = [];

  constructor(private readonly pack: (entry: Entry, dnKey: string | undefined) => { packed: PackedEntry; bytes: number }) {}

  /**
   * `dnKey`: the entry's normalised virtual DN when the entry cache may hold the entry whole; where it holds
   * exactly this entry, the result refers to it instead of keeping a copy.
   */
  /**
   * `dependencies`: what the entry was built from (dependencies.ts); `[]` for an entry no source change alters,
   * undefined when not known (any change in the search's branches then drops the result).
   */
  add(entry: Entry, dnKey?: string, dependencies?: readonly string[]): void {
    const p = this.pack(entry, dnKey);
    this.packed.push(p.packed);
    this.bytes += p.bytes;
    if (dependencies === undefined) this.hashes = undefined;
    else if (this.hashes) for (const d of dependencies) this.hashes.push(dependencyHash(d));
  }

  get length(): number {
    return this.packed.length;
  }
}

/** A cached search as read back: its entries are made on demand, a page at a time. */
export interface SearchHit {
  result: OperationResult;
  /** How many entries the result has. */
  count: number;
  /** New Entry objects for the entries from `from` up to (not including) `to`. */
  entries(from: number, to: number): Entry[];
}

export interface CacheCounters { hits: number; misses: number; size: number; bytes: number; evictions: number }
export interface CacheStats {
  enabled: boolean;
  entries: CacheCounters;
  searches: CacheCounters;
  invalidations: number;
}

/** A cached joined entry: packed content and what invalidation and binds need. */
class CachedRecord extends PackedEntry {
  constructor(
    dn: string,
    types: readonly string[],
    slots: readonly Slot[],
    readonly branchId: string,
    readonly primaryDn: string,
    /** Source name and normalised DN, alternately, of every source entry the join used. */
    readonly sources: readonly string[],
    /** The correlation key, or every key when there is not exactly one. */
    readonly keys: string | readonly string[],
    /** What this record keeps alive on the heap (size.ts), without the cache's own bookkeeping. */
    readonly bytes: number,
  ) {
    super(dn, types, slots);
  }
}

interface StoredSearch {
  entries: readonly PackedEntry[];
  result: OperationResult;
  baseKey: string;
  branchIds: string[];
  scope: Scope | undefined;
  filter: Filter | undefined;
  /** Sorted hashes of what the entries depend on; undefined when not known. */
  dependencies: Uint32Array | undefined;
}

/** A Uint32Array: the typed array and its ArrayBuffer objects, and four bytes an element. */
const TYPED_ARRAY_BYTES = 160;

/** What a filter tree keeps alive (size.ts), a little high: its strings are counted even where shared. */
function filterBytes(f: Filter): number {
  const node = OBJECT_HEADER_BYTES + 5 * POINTER_BYTES;
  switch (f.type) {
    case 'and':
    case 'or':
      return f.filters.reduce((n, x) => n + filterBytes(x), node + ARRAY_BYTES + f.filters.length * POINTER_BYTES);
    case 'not':
      return node + filterBytes(f.filter);
    case 'present':
      return node + stringBytes(f.attribute);
    case 'substrings': {
      let n = node + stringBytes(f.attribute) + ARRAY_BYTES + f.any.length * POINTER_BYTES;
      for (const v of [f.initial, ...f.any, f.final]) if (v !== undefined) n += valueBytes(v);
      return n;
    }
    case 'extensible':
      return node + (f.attribute ? stringBytes(f.attribute) : 0) + (f.matchingRule ? stringBytes(f.matchingRule) : 0) + valueBytes(f.value);
    default:
      return node + stringBytes(f.attribute) + valueBytes(f.value);
  }
}

/** Invalidation index: a key to the cached items it names, one item kept as itself. */
class Index {
  private readonly map = new Map<string, string | Set<string>>();
  add(k: string, item: string): void {
    const s = this.map.get(k);
    if (s === undefined) this.map.set(k, item);
    else if (typeof s === 'string') { if (s !== item) this.map.set(k, new Set([s, item])); }
    else s.add(item);
  }
  remove(k: string, item: string): void {
    const s = this.map.get(k);
    if (s === undefined) return;
    if (typeof s === 'string') { if (s === item) this.map.delete(k); return; }
    s.delete(item);
    if (s.size === 1) this.map.set(k, s.values().next().value!);
    else if (s.size === 0) this.map.delete(k);
  }
  get(k: string): string[] {
    const s = this.map.get(k);
    return s === undefined ? [] : typeof s === 'string' ? [s] : [...s];
  }
  keys(): IterableIterator<string> {
    return this.map.keys();
  }
  get size(): number {
    return this.map.size;
  }
}

/** Indexes by a first key (a source name, a branch) and then by a second. */
class Indexes {
  private readonly byFirst = new Map<string, Index>();
  add(first: string, k: string, item: string): void {
    let i = this.byFirst.get(first);
    if (!i) { i = new Index(); this.byFirst.set(first, i); }
    i.add(k, item);
  }
  remove(first: string, k: string, item: string): void {
    const i = this.byFirst.get(first);
    if (!i) return;
    i.remove(k, item);
    if (i.size === 0) this.byFirst.delete(first);
  }
  get(first: string, k: string): string[] {
    return this.byFirst.get(first)?.get(k) ?? [];
  }
}

/** What each item costs the cache beyond the item: its key in lru-cache's map and in one index. */
const ENTRY_BOOKKEEPING_BYTES = MAP_ENTRY_BYTES;
const INDEX_ENTRY_BYTES = MAP_ENTRY_BYTES;

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
  private readonly entries: LRUCache<string, CachedRecord>;
  private readonly searches: LRUCache<string, StoredSearch>;
  private readonly counters = {
    entries: { hits: 0, misses: 0, evictions: 0 },
    searches: { hits: 0, misses: 0, evictions: 0 },
    invalidations: 0,
  };
  private readonly shapes = new ShapeTable();
  /** Identities other than '' with entries in the cache, and how many each has. */
  private readonly identities = new Map<string, number>();
  private readonly bySource = new Indexes();
  private readonly byKey = new Indexes();
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
    this.entries = new LRUCache<string, CachedRecord>({
      max: config.maxEntries,
      maxSize: half,
      ttl,
      ...(clock ? { perf: clock, ttlResolution: 0 } : {}),
      dispose: (v, k, reason) => {
        if (reason === 'evict') this.counters.entries.evictions += 1;
        this.unindexEntry(k, v);
      },
    });
    this.searches = new LRUCache<string, StoredSearch>({
      // Each search result holds many entries: a tenth of the entry budget by count.
      max: Math.max(1, Math.floor(config.maxEntries / 10)),
      maxSize: half,
      ttl,
      ...(clock ? { perf: clock, ttlResolution: 0 } : {}),
      dispose: (v, k, reason) => {
        if (reason === 'evict') this.counters.searches.evictions += 1;
        this.searchesByBase.remove(v.baseKey, k);
        for (const b of v.branchIds) this.searchesByBranch.remove(b, k);
      },
    });
  }

  /**
   * The entry cache's key: the normalised DN itself for identity '' (what every caller uses), else the
   * identity and the DN after a NUL, which no normalised DN starts with.
   */
  private static entryKey(identity: string, dnKey: string): string {
    return identity === '' ? dnKey : `\u0000${identity}\u0000${dnKey}`;
  }

  private unindexEntry(k: string, v: CachedRecord): void {
    if (k.charCodeAt(0) === 0) {
      const identity = k.slice(1, k.indexOf('\u0000', 1));
      const n = (this.identities.get(identity) ?? 1) - 1;
      if (n > 0) this.identities.set(identity, n);
      else this.identities.delete(identity);
    }
    for (let i = 0; i < v.sources.length; i += 2) this.bySource.remove(v.sources[i]!, v.sources[i + 1]!, k);
    for (const key of keyList(v.keys)) this.byKey.remove(v.branchId, key, k);
  }

  getEntry(identity: string, dnKey: string): CachedEntry | undefined {
    if (!this.enabled) return undefined;
    const v = this.entries.get(DirectoryCache.entryKey(identity, dnKey));
    if (!v) {
      this.counters.entries.misses += 1;
      return undefined;
    }
    this.counters.entries.hits += 1;
    const sources: Array<[string, string]> = [];
    for (let i = 0; i < v.sources.length; i += 2) sources.push([v.sources[i]!, v.sources[i + 1]!]);
    return { entry: unpackEntry(v), branchId: v.branchId, primaryDn: v.primaryDn, sources, keys: [...keyList(v.keys)] };
  }

  setEntry(identity: string, dnKey: string, value: CachedEntry): void {
    if (!this.enabled) return;
    const { entry } = value;
    const dn = entry.dn;
    // The DN and the key are usually the same text: keep one string for both.
    const k = DirectoryCache.entryKey(identity, dn === dnKey ? dn : dnKey);
    const packed = packAttributes(entry, this.shapes);
    let bytes = OBJECT_HEADER_BYTES + 8 * POINTER_BYTES + packed.bytes + stringBytes(dn);
    if (k !== dn) bytes += stringBytes(k);
    const sources = new Array<string>(value.sources.length * 2);
    bytes += ARRAY_BYTES + sources.length * POINTER_BYTES;
    value.sources.forEach(([name, sourceDn], i) => {
      sources[2 * i] = name;
      // The primary's DN usually is its normalised DN: one string for both.
      sources[2 * i + 1] = sourceDn === value.primaryDn ? value.primaryDn : sourceDn;
      if (sourceDn !== value.primaryDn) bytes += stringBytes(sourceDn);
    });
    bytes += stringBytes(value.primaryDn);
    const keys = value.keys.length === 1 ? value.keys[0]! : value.keys.slice();
    if (typeof keys !== 'string') bytes += ARRAY_BYTES + keys.length * POINTER_BYTES;
    for (const key of value.keys) bytes += stringBytes(key);
    const record = new CachedRecord(dn, packed.types, packed.slots, value.branchId, value.primaryDn, sources, keys, bytes);
    const bookkeeping = ENTRY_BOOKKEEPING_BYTES + INDEX_ENTRY_BYTES * (value.sources.length + value.keys.length);
    this.entries.set(k, record, { size: bytes + bookkeeping });
    if (this.entries.peek(k) !== record) return; // too big to keep
    if (identity !== '') this.identities.set(identity, (this.identities.get(identity) ?? 0) + 1);
    for (let i = 0; i < sources.length; i += 2) this.bySource.add(sources[i]!, sources[i + 1]!, k);
    for (const key of keyList(keys)) this.byKey.add(value.branchId, key, k);
  }

  getSearch(key: string): SearchHit | undefined {
    if (!this.enabled) return undefined;
    const v = this.searches.get(key);
    if (!v) {
      this.counters.searches.misses += 1;
      return undefined;
    }
    this.counters.searches.hits += 1;
    return {
      result: v.result,
      count: v.entries.length,
      entries: (from, to) => v.entries.slice(from, to).map(unpackEntry),
    };
  }

  /** A collector for a search result this cache may keep (setSearch). */
  collector(): ResultCollector {
    return new ResultCollector((entry, dnKey) => this.packForSearch(entry, dnKey));
  }

  private packForSearch(entry: Entry, dnKey: string | undefined): { packed: PackedEntry; bytes: number } {
    const whole = dnKey === undefined || !this.enabled ? undefined : this.entries.peek(DirectoryCache.entryKey('', dnKey));
    if (whole && samePacked(whole, entry)) return { packed: whole, bytes: whole.bytes };
    return packEntry(entry, this.shapes);
  }

  setSearch(key: string, value: CachedSearch): void {
    if (!this.enabled || value.entries.length > this.maxResultEntries) return;
    let collected = value.entries;
    if (!(collected instanceof ResultCollector)) {
      const c = this.collector();
      collected.forEach((e, i) => c.add(e, value.entryKeys?.[i], value.entryDependencies?.[i]));
      collected = c;
    }
    const entries = collected.packed.slice(); // exactly sized
    const dependencies = collected.hashes ? dependencySet(collected.hashes) : undefined;
    let bytes = collected.bytes + ARRAY_BYTES + entries.length * POINTER_BYTES + OBJECT_HEADER_BYTES + 7 * POINTER_BYTES
      + stringBytes(key) + stringBytes(value.baseKey) + MAP_ENTRY_BYTES + 2 * INDEX_ENTRY_BYTES;
    if (dependencies) bytes += TYPED_ARRAY_BYTES + 4 * dependencies.length;
    if (value.filter) bytes += filterBytes(value.filter);
    this.searches.set(key, {
      entries, result: value.result, baseKey: value.baseKey, branchIds: value.branchIds,
      scope: value.scope, filter: value.filter, dependencies,
    }, { size: bytes });
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
    this.dropEntries([dnKey, ...[...this.identities.keys()].map((id) => DirectoryCache.entryKey(id, dnKey))]);
    for (const k of selfAndAncestors(dnKey)) this.dropSearches(this.searchesByBase.get(k));
    for (const base of [...this.searchesByBase.keys()]) if (isBelow(base, dnKey)) this.dropSearches(this.searchesByBase.get(base));
  }

  /** A virtual DN's joined entries (every identity), not the searches: for a change whose searches are placed precisely. */
  invalidateEntryDn(dnKey: string): void {
    this.dropEntries([dnKey, ...[...this.identities.keys()].map((id) => DirectoryCache.entryKey(id, dnKey))]);
  }

  /**
   * Every search holding an entry that depends on one of `dependencies` (dependencies.ts), and every search
   * of the branch that does not know what it depends on.
   */
  invalidateSearchesDependingOn(dependencies: readonly string[], branchId: string): void {
    const hashes = dependencies.map(dependencyHash);
    const drop: string[] = [];
    for (const [k, v] of this.searches.entries()) {
      if (v.dependencies === undefined ? v.branchIds.includes(branchId) : hashes.some((h) => hasDependency(v.dependencies!, h))) drop.push(k);
    }
    this.dropSearches(drop);
  }

  /**
   * Every search whose base and scope take in the virtual DN `dnKey` and whose filter `mayMatch` (a search
   * stored without its filter is taken to match): the entry there may now be in its result.
   */
  invalidateSearchesCovering(dnKey: string, mayMatch: (filter: Filter) => boolean): void {
    const bases = selfAndAncestors(dnKey);
    bases.forEach((base, depth) => {
      const drop: string[] = [];
      for (const k of this.searchesByBase.get(base)) {
        const v = this.searches.peek(k);
        if (!v) continue;
        // depth 0: the entry is the base; 1: one level below it; more: deeper.
        const scope = v.scope ?? 'sub';
        const covers = scope === 'sub' || (scope === 'base' ? depth === 0 : depth === 1);
        if (covers && (v.filter === undefined || mayMatch(v.filter))) drop.push(k);
      }
      this.dropSearches(drop);
    });
  }

  /** The joined entry cached under a virtual DN (identity ''), without counting a hit or refreshing it. */
  peekEntry(dnKey: string): CachedEntry | undefined {
    const v = this.enabled ? this.entries.peek(dnKey) : undefined;
    if (!v) return undefined;
    const sources: Array<[string, string]> = [];
    for (let i = 0; i < v.sources.length; i += 2) sources.push([v.sources[i]!, v.sources[i + 1]!]);
    return { entry: unpackEntry(v), branchId: v.branchId, primaryDn: v.primaryDn, sources, keys: [...keyList(v.keys)] };
  }

  /** Virtual DNs (identity '') of the cached joined entries built from a source entry. */
  entryDnsBySource(sourceName: string, dnKey: string): string[] {
    return this.bySource.get(sourceName, dnKey).filter((k) => k.charCodeAt(0) !== 0);
  }

  /** Attributes (lower-case) the filters of cached searches use. */
  filterAttributes(): Set<string> {
    const out = new Set<string>();
    const walk = (f: Filter): void => {
      if (f.type === 'and' || f.type === 'or') f.filters.forEach(walk);
      else if (f.type === 'not') walk(f.filter);
      else if (f.attribute !== undefined) out.add(f.attribute.toLowerCase().split(';')[0]!);
    };
    for (const v of this.searches.values()) if (v.filter) walk(v.filter);
    return out;
  }

  /** A source entry changed (`<source>\0<normalised DN>`): every joined entry built from it. */
  invalidateSourceEntry(sourceKey: string): void {
    const at = sourceKey.indexOf('\u0000');
    if (at < 0) return;
    this.dropEntries(this.bySource.get(sourceKey.slice(0, at), sourceKey.slice(at + 1)));
  }

  /** A partner with this correlation key appeared or changed: identities with that key may join differently now. */
  invalidateKey(branchId: string, key: string): void {
    this.dropEntries(this.byKey.get(branchId, key));
  }

  /** Every search that read the branch. */
  invalidateBranchSearches(branchId: string): void {
    this.dropSearches(this.searchesByBranch.get(branchId));
  }

  /** Everything of a branch (a change that cannot be placed precisely). */
  invalidateBranch(branchId: string): void {
    const keys: string[] = [];
    for (const [k, v] of this.entries.entries()) if (v.branchId === branchId) keys.push(k);
    this.dropEntries(keys);
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

function keyList(keys: string | readonly string[]): readonly string[] {
  return typeof keys === 'string' ? [keys] : keys;
}
