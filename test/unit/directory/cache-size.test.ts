/**
 * The cache's byte budget is only as good as its estimate of what an item
 * costs: here the estimate is held against the heap's real growth, measured
 * between full collections, for 20 000 entries shaped like the view's joined
 * people (and for search results holding them).
 */
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Entry } from '../../../src/directory/model.js';
import { DirectoryCache, type CachedEntry } from '../../../src/directory/cache/directory-cache.js';

const COUNT = 20_000;
const config = { enabled: true, maxEntries: COUNT + 1, maxBytes: 2 ** 32, ttlSeconds: 600, refreshSeconds: 60 };

/** A fresh flat string, as a decoder makes it (not a literal, a slice or a concatenation). */
const fresh = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');

function person(i: number): Entry {
  const attributes: Entry['attributes'] = [
    { type: fresh('objectClass'), values: [fresh('top'), fresh('person'), fresh('organizationalPerson'), fresh('inetOrgPerson')] },
    { type: fresh('uid'), values: [fresh(`user${i}`)] },
    // Every third person has a name past Latin-1, which V8 keeps two bytes wide.
    { type: fresh('cn'), values: [fresh(i % 3 === 0 ? `Пользователь ${i}` : `User Number ${i}`)] },
    { type: fresh('sn'), values: [fresh(String(i))] },
    { type: fresh('givenName'), values: [fresh('User')] },
    { type: fresh('mail'), values: [fresh(`user${i}@corp.example`)] },
    { type: fresh('telephoneNumber'), values: [fresh(`+1 555 ${String(i % 10_000).padStart(4, '0')}`), fresh(`+1 555 9${String(i % 1000).padStart(3, '0')}`)] },
    { type: fresh('employeeNumber'), values: [fresh(String(100_000 + i))] },
    { type: fresh('title'), values: [fresh(`Title ${i % 7}`)] },
    { type: fresh('departmentNumber'), values: [fresh(String(i % 50))] },
    { type: fresh('manager'), values: [fresh(`uid=user${i - (i % 10)},ou=people,o=example`)] },
  ];
  if (i % 10 === 0) attributes.push({ type: fresh('jpegPhoto'), values: [Buffer.alloc(200, i % 256)] });
  return { dn: fresh(`uid=user${i},ou=people,o=example`), attributes };
}

function joined(i: number): CachedEntry {
  return {
    entry: person(i),
    branchId: 'o=example#people',
    primaryDn: fresh(`uid=user${i},ou=people,dc=corp,dc=example`),
    sources: [['corp', fresh(`uid=user${i},ou=people,dc=corp,dc=example`)], ['hr', fresh(`mail=user${i}@corp.example,ou=people,o=hr`)]],
    keys: [fresh(`user${i}@corp.example`)],
  };
}

const dnKey = (i: number) => fresh(`uid=user${i},ou=people,o=example`);

/** Heap bytes in use after full collections. */
function heapUsed(gc: () => void): number {
  for (let i = 0; i < 4; i += 1) gc();
  return process.memoryUsage().heapUsed;
}

/** Heap growth while `fill` runs; what it allocates and drops is collected before the second reading. */
function growth(gc: () => void, fill: () => void): number {
  const before = heapUsed(gc);
  fill();
  return heapUsed(gc) - before;
}

function assertHonest(estimate: number, measured: number, what: string): void {
  const ratio = estimate / measured;
  assert.ok(ratio >= 0.7 && ratio <= 1.4,
    `${what}: estimated ${(estimate / 2 ** 20).toFixed(1)} MiB, the heap grew ${(measured / 2 ** 20).toFixed(1)} MiB (ratio ${ratio.toFixed(2)}, wanted 0.7 to 1.4)`);
}

describe('the directory cache\'s size estimate, against the heap', () => {
  let gc: () => void;
  before(() => {
    // mocha's configuration passes no Node flags: expose the collector for this file only.
    v8.setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  });

  it('is within 0.7x to 1.4x of what 20 000 cached joined entries add to the heap', () => {
    const cache = new DirectoryCache(config);
    const measured = growth(gc, () => {
      for (let i = 0; i < COUNT; i += 1) cache.setEntry('', dnKey(i), joined(i));
    });
    assert.equal(cache.stats().entries.size, COUNT);
    assertHonest(cache.stats().entries.bytes, measured, 'entries');
  });

  it('is within 0.7x to 1.4x for search results that hold their own entries', () => {
    const cache = new DirectoryCache(config);
    const measured = growth(gc, () => {
      for (let s = 0; s < COUNT / 1000; s += 1) {
        const entries = Array.from({ length: 1000 }, (_, k) => person(s * 1000 + k));
        cache.setSearch(`search ${s}`, { entries, result: { resultCode: 0 }, baseKey: 'ou=people,o=example', branchIds: ['o=example#people'] });
      }
    });
    assert.equal(cache.stats().searches.size, COUNT / 1000);
    assertHonest(cache.stats().searches.bytes, measured, 'searches');
  });

  it('keeps a search result of entries the entry cache holds for a small fraction of a copy', () => {
    const n = 1000; // the most a cached result holds
    const cache = new DirectoryCache(config);
    for (let i = 0; i < n; i += 1) cache.setEntry('', dnKey(i), joined(i));
    const result = (name: string, count: number, share: boolean) => {
      const entries = Array.from({ length: count }, (_, i) => person(i));
      cache.setSearch(name, { entries, ...(share ? { entryKeys: entries.map((_, i) => dnKey(i)) } : {}), result: { resultCode: 0 }, baseKey: 'ou=people,o=example', branchIds: [] });
    };
    // Both ways once first, so that neither measurement includes compiling them.
    result('warm-up shared', 50, true);
    result('warm-up copied', 50, false);
    // Five results each way, so the difference stands well clear of the heap's own noise (compiled code and the like).
    const shared = growth(gc, () => { for (let r = 0; r < 5; r += 1) result(`shared ${r}`, n, true); });
    const copied = growth(gc, () => { for (let r = 0; r < 5; r += 1) result(`copied ${r}`, n, false); });
    assert.equal(cache.stats().searches.size, 12);
    assert.ok(shared < copied / 10, `a shared result grew the heap ${shared} bytes, a copied one ${copied}`);
  });
});
