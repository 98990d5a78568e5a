import assert from 'node:assert/strict';
import type { Entry } from '../../../src/directory/model.js';
import { DirectoryCache, type CachedEntry } from '../../../src/directory/cache/directory-cache.js';
import { normalizeDn } from '../../../src/directory/dn.js';
import { entrySize } from '../../../src/directory/cache/size.js';

const config = { enabled: true, maxEntries: 100, maxBytes: 1 << 20, ttlSeconds: 60, refreshSeconds: 10 };
const entry = (uid: string, extra = ''): Entry => ({ dn: `uid=${uid},ou=people,o=example`, attributes: [{ type: 'uid', values: [uid] }, { type: 'description', values: [extra] }] });
const cached = (uid: string, extra = ''): CachedEntry => ({
  entry: entry(uid, extra), branchId: 'o=example#people', primaryDn: `uid=${uid},ou=people,dc=corp,dc=example`,
  sourceKeys: [`corp\u0000uid=${uid},ou=people,dc=corp,dc=example`, `hr\u0000mail=${uid}@corp.example,ou=people,o=hr`], keys: [`${uid}@corp.example`],
});
const key = (uid: string) => normalizeDn(`uid=${uid},ou=people,o=example`);

function withSearches(cache: DirectoryCache) {
  const put = (k: string, base: string) => cache.setSearch(k, { entries: [], result: { resultCode: 0 }, baseKey: normalizeDn(base), branchIds: ['o=example#people'] });
  put('suffix', 'o=example');
  put('branch', 'ou=people,o=example');
  put('alice', 'uid=alice,ou=people,o=example');
  put('bob', 'uid=bob,ou=people,o=example');
  put('groups', 'ou=groups,o=example');
  return (k: string) => cache.getSearch(k) !== undefined;
}

describe('the directory cache', () => {
  it('counts hits and misses for entries and searches', () => {
    const cache = new DirectoryCache(config);
    assert.equal(cache.getEntry('', key('alice')), undefined);
    cache.setEntry('', key('alice'), cached('alice'));
    assert.equal(cache.getEntry('', key('alice'))!.entry.dn, 'uid=alice,ou=people,o=example');
    assert.equal(cache.getSearch('nothing'), undefined);
    const s = cache.stats();
    assert.deepEqual([s.entries.hits, s.entries.misses, s.entries.size, s.searches.misses], [1, 1, 1, 1]);
    assert.ok(s.entries.bytes >= entrySize(entry('alice')));
  });

  it('drops a written entry and exactly the searches whose base is at, above or below it', () => {
    const cache = new DirectoryCache(config);
    cache.setEntry('', key('alice'), cached('alice'));
    cache.setEntry('', key('bob'), cached('bob'));
    const has = withSearches(cache);
    cache.invalidateDn(key('alice'));
    assert.equal(cache.getEntry('', key('alice')), undefined);
    assert.ok(cache.getEntry('', key('bob')));
    assert.deepEqual(['suffix', 'branch', 'alice', 'bob', 'groups'].map(has), [false, false, false, true, true]);
  });

  it('drops searches below a renamed or deleted container', () => {
    const cache = new DirectoryCache(config);
    const has = withSearches(cache);
    cache.invalidateDn(normalizeDn('ou=people,o=example'));
    assert.deepEqual(['suffix', 'branch', 'alice', 'bob', 'groups'].map(has), [false, false, false, false, true]);
  });

  it('drops joined entries built from a changed source entry, or sharing a correlation key', () => {
    const cache = new DirectoryCache(config);
    cache.setEntry('', key('alice'), cached('alice'));
    cache.setEntry('', key('bob'), cached('bob'));
    cache.invalidateSourceEntry('hr\u0000mail=alice@corp.example,ou=people,o=hr');
    assert.equal(cache.getEntry('', key('alice')), undefined);
    assert.ok(cache.getEntry('', key('bob')));
    cache.invalidateKey('o=example#people', 'bob@corp.example');
    assert.equal(cache.getEntry('', key('bob')), undefined);
  });

  it('drops every search of a branch on a change it cannot place', () => {
    const cache = new DirectoryCache(config);
    const has = withSearches(cache);
    cache.invalidateBranchSearches('o=example#people');
    assert.deepEqual(['suffix', 'branch', 'alice', 'bob', 'groups'].map(has), [false, false, false, false, false]);
  });

  it('bounds entries by count, evicting the least recently used', () => {
    const cache = new DirectoryCache({ ...config, maxEntries: 2 });
    cache.setEntry('', key('a'), cached('a'));
    cache.setEntry('', key('b'), cached('b'));
    cache.getEntry('', key('a'));
    cache.setEntry('', key('c'), cached('c'));
    assert.ok(cache.getEntry('', key('a')));
    assert.equal(cache.getEntry('', key('b')), undefined);
    assert.equal(cache.stats().entries.evictions, 1);
  });

  it('bounds entries by bytes and keeps none too big to fit', () => {
    const cache = new DirectoryCache({ ...config, maxBytes: 4096 });
    cache.setEntry('', key('big'), cached('big', 'x'.repeat(5000)));
    assert.equal(cache.getEntry('', key('big')), undefined);
    for (const u of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) cache.setEntry('', key(u), cached(u, 'y'.repeat(100)));
    assert.ok(cache.stats().entries.bytes <= 2048);
    assert.ok(cache.stats().entries.size < 8);
  });

  it('expires items after the time-to-live', () => {
    let now = 1_000_000;
    const cache = new DirectoryCache({ ...config, ttlSeconds: 5 }, { now: () => now });
    cache.setEntry('', key('alice'), cached('alice'));
    now += 4_000;
    assert.ok(cache.getEntry('', key('alice')));
    now += 2_000;
    assert.equal(cache.getEntry('', key('alice')), undefined);
  });

  it('keeps nothing when disabled, and does not count', () => {
    const cache = new DirectoryCache({ ...config, enabled: false });
    cache.setEntry('', key('alice'), cached('alice'));
    assert.equal(cache.getEntry('', key('alice')), undefined);
    assert.deepEqual([cache.stats().entries.hits, cache.stats().entries.misses, cache.stats().enabled], [0, 0, false]);
  });

  it('does not keep results larger than maxResultEntries', () => {
    const cache = new DirectoryCache({ ...config, maxResultEntries: 1 });
    cache.setSearch('two', { entries: [entry('a'), entry('b')], result: { resultCode: 0 }, baseKey: 'o=example', branchIds: [] });
    assert.equal(cache.getSearch('two'), undefined);
  });
});
