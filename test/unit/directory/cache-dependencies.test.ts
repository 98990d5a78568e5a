/**
 * The search cache's precise drops for changes seen by the poller: by what a
 * result's entries were built from (hashed dependencies), and by the base,
 * scope and filter a changed person's new state may match.
 */
import assert from 'node:assert/strict';
import type { Entry, Filter } from '../../../src/directory/model.js';
import { DirectoryCache } from '../../../src/directory/cache/directory-cache.js';
import { dependencyDn, dependencySet, hasDependency, sourceDependency } from '../../../src/directory/cache/dependencies.js';
import { normalizeDn } from '../../../src/directory/dn.js';
import { parseFilter } from '../../../src/directory/view/filter-text.js';

const config = { enabled: true, maxEntries: 100, maxBytes: 1 << 20, ttlSeconds: 60, refreshSeconds: 10 };
const BRANCH = 'o=example#people';
const person = (uid: string): Entry => ({ dn: `uid=${uid},ou=people,o=example`, attributes: [{ type: 'uid', values: [uid] }] });
const corp = (uid: string) => sourceDependency('corp', dependencyDn(`uid=${uid},ou=people,dc=corp,dc=example`));

function cacheWith(searches: Array<{ name: string; base: string; scope: 'base' | 'one' | 'sub'; filter?: string; uids: string[]; known?: boolean }>) {
  const cache = new DirectoryCache(config);
  for (const s of searches) {
    cache.setSearch(s.name, {
      entries: s.uids.map(person),
      entryDependencies: s.uids.map((u) => (s.known === false ? undefined : [corp(u)])),
      result: { resultCode: 0 }, baseKey: normalizeDn(s.base), branchIds: [BRANCH], scope: s.scope,
      ...(s.filter ? { filter: parseFilter(s.filter) } : {}),
    });
  }
  return { cache, has: (k: string) => cache.getSearch(k) !== undefined };
}

describe('the search cache, on a change seen by the poller', () => {
  it('drops exactly the results holding an entry built from the changed source entry', () => {
    const { cache, has } = cacheWith([
      { name: 'alice', base: 'ou=people,o=example', scope: 'sub', filter: '(uid=alice)', uids: ['alice'] },
      { name: 'both', base: 'ou=people,o=example', scope: 'sub', filter: '(|(uid=alice)(uid=bob))', uids: ['alice', 'bob'] },
      { name: 'bob', base: 'ou=people,o=example', scope: 'sub', filter: '(uid=bob)', uids: ['bob'] },
    ]);
    cache.invalidateSearchesDependingOn([corp('bob')], BRANCH);
    assert.deepEqual(['alice', 'both', 'bob'].map(has), [true, false, false]);
  });

  it('drops, on any change in its branch, a result that does not know what its entries were built from', () => {
    const { cache, has } = cacheWith([
      { name: 'opaque', base: 'ou=people,o=example', scope: 'sub', uids: ['alice'], known: false },
      { name: 'alice', base: 'ou=people,o=example', scope: 'sub', filter: '(uid=alice)', uids: ['alice'] },
    ]);
    cache.invalidateSearchesDependingOn([corp('carol')], 'o=example#groups');
    assert.deepEqual(['opaque', 'alice'].map(has), [true, true]);
    cache.invalidateSearchesDependingOn([corp('carol')], BRANCH);
    assert.deepEqual(['opaque', 'alice'].map(has), [false, true]);
  });

  it('drops the searches whose base and scope take in a changed entry and whose filter it may match', () => {
    const { cache, has } = cacheWith([
      { name: 'sub-match', base: 'o=example', scope: 'sub', filter: '(title=boss)', uids: [] },
      { name: 'sub-other', base: 'o=example', scope: 'sub', filter: '(title=clerk)', uids: [] },
      { name: 'one', base: 'ou=people,o=example', scope: 'one', filter: '(title=boss)', uids: [] },
      { name: 'one-suffix', base: 'o=example', scope: 'one', filter: '(title=boss)', uids: [] },
      { name: 'base-self', base: 'uid=bob,ou=people,o=example', scope: 'base', filter: '(title=boss)', uids: [] },
      { name: 'base-branch', base: 'ou=people,o=example', scope: 'base', filter: '(title=boss)', uids: [] },
      { name: 'elsewhere', base: 'ou=groups,o=example', scope: 'sub', filter: '(title=boss)', uids: [] },
      { name: 'no-filter', base: 'o=example', scope: 'sub', uids: [] },
    ]);
    const seen: Filter[] = [];
    cache.invalidateSearchesCovering(normalizeDn('uid=bob,ou=people,o=example'), (f) => {
      seen.push(f);
      return f.type === 'equality' && f.value === 'boss';
    });
    assert.deepEqual(
      ['sub-match', 'sub-other', 'one', 'one-suffix', 'base-self', 'base-branch', 'elsewhere', 'no-filter'].map(has),
      [false, true, false, true, false, true, true, false],
    );
    assert.equal(seen.length, 4); // sub-match, sub-other, one, base-self: only the searches that take the entry in
  });

  it('keeps dependencies as a sorted set of hashes, found by binary search', () => {
    const set = dependencySet([5, 3, 9, 3, 1]);
    assert.deepEqual([...set], [1, 3, 5, 9]);
    assert.ok(hasDependency(set, 9) && hasDependency(set, 1) && !hasDependency(set, 4));
  });

  it('keys a plain source DN as normalizeDn does, and others through it', () => {
    for (const dn of ['uid=Bob,OU=People,dc=corp,dc=example', 'cn=Bob  Smith,ou=people,o=hr', 'mail=bob@corp.example,ou=staff,o=hr', 'cn=a\\,b,o=x']) {
      assert.equal(dependencyDn(dn), normalizeDn(dn), dn);
    }
  });
});
