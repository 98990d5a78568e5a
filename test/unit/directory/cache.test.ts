import assert from 'node:assert/strict';
import type { Entry } from '../../../src/directory/model.js';
import { DirectoryCache, type CachedEntry } from '../../../src/directory/cache/directory-cache.js';
import { normalizeDn } from '../../../src/directory/dn.js';

const config = { enabled: true, maxEntries: 100, maxBytes: 1 << 20, ttlSeconds: 60, refreshSeconds: 10 };
const entry = (uid: string, extra = ''): Entry => ({ dn: `uid=${uid},ou=people,o=example`, attributes: [{ type: 'uid', values: [uid] }, { type: 'description', values: [extra] }] });
const cached = (uid: string, extra = ''): CachedEntry => ({
  entry: entry(uid, extra), branchId: 'o=example#people', primaryDn: `uid=${uid},ou=people,dc=corp,dc=example`,
  sources: [['corp', `uid=${uid},ou=people,dc=corp,dc=example`], ['hr', `mail=${uid}@corp.example,ou=people,o=hr`]], keys: [`${uid}@corp.example`],
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
    assert.ok(s.entries.bytes > 0);
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

  it('gives back an entry as it was cached, values of every kind, and a fresh copy at each read', () => {
    const cache = new DirectoryCache(config);
    const original: Entry = {
      dn: 'uid=alice,ou=people,o=example',
      attributes: [
        { type: 'objectClass', values: ['top', 'inetOrgPerson'] }, { type: 'uid', values: ['alice'] },
        { type: 'jpegPhoto', values: [Buffer.from([0xff, 0xd8, 0x00])] }, { type: 'description', values: [] },
        { type: 'cn', values: ['Alice Ångström', 'Алиса'] },
      ],
    };
    cache.setEntry('', key('alice'), { ...cached('alice'), entry: { dn: original.dn, attributes: original.attributes.map((a) => ({ type: a.type, values: [...a.values] })) } });
    const first = cache.getEntry('', key('alice'))!;
    assert.deepEqual(first.entry, original);
    assert.deepEqual([first.branchId, first.primaryDn, first.sources, first.keys], [
      'o=example#people', 'uid=alice,ou=people,dc=corp,dc=example',
      [['corp', 'uid=alice,ou=people,dc=corp,dc=example'], ['hr', 'mail=alice@corp.example,ou=people,o=hr']], ['alice@corp.example'],
    ]);
    first.entry.attributes[0]!.values.push('changed by a caller');
    first.entry.attributes.pop();
    assert.deepEqual(cache.getEntry('', key('alice'))!.entry, original);
  });

  it('keeps entries of other identities apart, and drops them too when their DN changes', () => {
    const cache = new DirectoryCache(config);
    cache.setEntry('', key('alice'), cached('alice'));
    cache.setEntry('carol', key('alice'), cached('alice', 'as carol sees her'));
    assert.equal(cache.getEntry('carol', key('alice'))!.entry.attributes[1]!.values[0], 'as carol sees her');
    assert.equal(cache.getEntry('', key('alice'))!.entry.attributes[1]!.values[0], '');
    assert.equal(cache.getEntry('dave', key('alice')), undefined);
    cache.invalidateDn(key('alice'));
    assert.equal(cache.getEntry('carol', key('alice')), undefined);
    assert.equal(cache.getEntry('', key('alice')), undefined);
  });

  it('drops every entry built from a source entry that several joins used, and keeps the index right as they go', () => {
    const cache = new DirectoryCache(config);
    const shared = (uid: string): CachedEntry => ({ ...cached(uid), sources: [['corp', `uid=${uid},ou=people,dc=corp,dc=example`], ['hr', 'cn=shared,o=hr']] });
    for (const u of ['a', 'b', 'c']) cache.setEntry('', key(u), shared(u));
    cache.invalidateDn(key('b'));
    cache.invalidateSourceEntry('hr\u0000cn=shared,o=hr');
    assert.deepEqual(['a', 'b', 'c'].map((u) => cache.getEntry('', key(u)) !== undefined), [false, false, false]);
    cache.setEntry('', key('a'), shared('a'));
    cache.invalidateSourceEntry('corp\u0000uid=a,ou=people,dc=corp,dc=example');
    assert.equal(cache.getEntry('', key('a')), undefined);
  });

  it('drops every entry of a branch, and only those', () => {
    const cache = new DirectoryCache(config);
    cache.setEntry('', key('alice'), cached('alice'));
    cache.setEntry('', normalizeDn('cn=admins,ou=groups,o=example'), { ...cached('admins'), entry: { dn: 'cn=admins,ou=groups,o=example', attributes: [] }, branchId: 'o=example#groups' });
    cache.invalidateBranch('o=example#people');
    assert.equal(cache.getEntry('', key('alice')), undefined);
    assert.ok(cache.getEntry('', normalizeDn('cn=admins,ou=groups,o=example')));
  });

  it('answers a cached search page by page with the entries it was given, shared with the entry cache or not', () => {
    const cache = new DirectoryCache(config);
    cache.setEntry('', key('a'), cached('a'));
    const projected: Entry = { dn: 'uid=b,ou=people,o=example', attributes: [{ type: 'uid', values: ['b'] }] };
    // a: the entry cache holds exactly this entry; b: a projection of an entry it does not hold; the third differs from what it holds.
    const entries = [entry('a'), projected, { ...entry('a', 'other'), dn: 'uid=a,ou=people,o=example' }];
    cache.setSearch('s', { entries, entryKeys: [key('a'), key('b'), key('a')], result: { resultCode: 0 }, baseKey: 'o=example', branchIds: [] });
    const hit = cache.getSearch('s')!;
    assert.equal(hit.count, 3);
    assert.deepEqual(hit.entries(0, 3), entries);
    assert.deepEqual(hit.entries(1, 2), [projected]);
    cache.invalidateDn(key('a'));
    assert.equal(cache.getSearch('s'), undefined);
  });
});
