/**
 * Changes made behind dirgate's back, seen by the change poller, over two real
 * slapd servers (corp primary, hr contributing, joined on mail): a change drops
 * only the cached searches whose answer it may alter, and no cached search
 * answers with a stale result afterwards.
 */
import assert from 'node:assert/strict';
import { Change, Attribute as LdapAttribute } from 'ldapts';
import { PRECISE_CHANGES_PER_BRANCH } from '../../../src/directory/cache/change-impact.js';
import type { VirtualDirectory } from '../../../src/directory/index.js';
import type { Slapd } from '../../helpers/slapd.js';
import { byDn, direct, search, startCorpAndHr, values, type CorpAndHr } from './harness.js';

const PEOPLE = 'ou=people,o=example';
const ALICE = 'uid=alice,ou=people,o=example';
const BOB = 'uid=bob,ou=people,o=example';
const HR_ALICE = 'mail=Alice@Corp.Example,ou=staff,o=hr';
const HR_BOB = 'mail=bob@corp.example,ou=staff,o=hr';
const replace = (type: string, value: string) => new Change({ operation: 'replace', modification: new LdapAttribute({ type, values: [value] }) });

describe('virtual directory cache: changes seen by the poller drop only the searches they may alter', function () {
  this.timeout(60_000);
  let corp: Slapd;
  let hr: Slapd;
  let vd: VirtualDirectory;
  let running: CorpAndHr | undefined;

  before(async () => {
    running = await startCorpAndHr();
    ({ corp, hr, vd } = running);
  });

  after(async () => {
    await running?.close();
  });

  /** The search, and whether the cache answered it. */
  async function cachedSearch(filter: string, attributes: string[]) {
    const hits = vd.cacheStats().searches.hits;
    const outcome = await search(vd, PEOPLE, filter, { attributes });
    return { ...outcome, hit: vd.cacheStats().searches.hits === hits + 1 };
  }

  it("keeps a cached (uid=alice) search through changes to bob in corp and in hr, and it still answers alice's values", async () => {
    const first = await cachedSearch('(uid=alice)', ['telephoneNumber', 'title']);
    assert.equal(first.hit, false);
    await direct(corp, (c) => c.modify('uid=bob,ou=people,dc=corp,dc=example', replace('telephoneNumber', '+1 555 0199')));
    await direct(hr, (c) => c.modify(HR_BOB, replace('departmentNumber', '99')));
    const report = await vd.pollChanges();
    assert.ok(report.sources.every((s) => s.changed >= 1), JSON.stringify(report));
    const again = await cachedSearch('(uid=alice)', ['telephoneNumber', 'title']);
    assert.equal(again.hit, true);
    assert.deepEqual(again.entries.map((e) => e.dn), [ALICE]);
    assert.deepEqual(values(again.entries[0], 'telephoneNumber'), ['+1 555 0101']);
    // The kept answer is the one the sources give now.
    const direct1 = await search(vd, PEOPLE, '(uid=alice)', { attributes: ['telephoneNumber', 'title', 'cn'] });
    assert.deepEqual(values(direct1.entries[0], 'telephoneNumber'), values(again.entries[0], 'telephoneNumber'));
    assert.deepEqual(values(direct1.entries[0], 'title'), values(again.entries[0], 'title'));
  });

  it('drops a cached search that bob now matches after his title changes in hr, and the next answer has him', async () => {
    const before = await cachedSearch('(title=Architect)', ['title']);
    assert.deepEqual(before.entries, []);
    const kept = await cachedSearch('(title=Architect)', ['title']);
    assert.equal(kept.hit, true);
    await direct(hr, (c) => c.modify(HR_BOB, replace('title', 'Architect')));
    await vd.pollChanges();
    const after = await cachedSearch('(title=Architect)', ['title']);
    assert.equal(after.hit, false);
    assert.deepEqual(after.entries.map((e) => e.dn), [BOB]);
  });

  it('drops a cached search that bob now matches after a change in corp, judged on his corp attributes', async () => {
    const before = await cachedSearch('(telephoneNumber=+1 555 0142)', ['uid']);
    assert.deepEqual(before.entries, []);
    const untouched = await cachedSearch('(telephoneNumber=+1 555 0999)', ['uid']);
    assert.deepEqual(untouched.entries, []);
    await direct(corp, (c) => c.modify('uid=bob,ou=people,dc=corp,dc=example', replace('telephoneNumber', '+1 555 0142')));
    await vd.pollChanges();
    const after = await cachedSearch('(telephoneNumber=+1 555 0142)', ['uid']);
    assert.equal(after.hit, false);
    assert.deepEqual(after.entries.map((e) => e.dn), [BOB]);
    // A filter bob's new corp state cannot match stays cached.
    assert.equal((await cachedSearch('(telephoneNumber=+1 555 0999)', ['uid'])).hit, true);
  });

  it('drops the cached (uid=alice) search when alice changes in corp, and the next answer shows the new value', async () => {
    const before = await cachedSearch('(uid=alice)', ['telephoneNumber', 'title']);
    assert.equal(before.hit, true);
    await direct(corp, (c) => c.modify('uid=alice,ou=people,dc=corp,dc=example', replace('telephoneNumber', '+1 555 0111')));
    await vd.pollChanges();
    const after = await cachedSearch('(uid=alice)', ['telephoneNumber', 'title']);
    assert.equal(after.hit, false);
    assert.deepEqual(values(after.entries[0], 'telephoneNumber'), ['+1 555 0111']);
  });

  it("drops the cached search holding alice when her partner in hr (found by mail) changes, and shows hr's new value", async () => {
    const before = await cachedSearch('(|(uid=alice)(uid=erin))', ['title']);
    assert.equal((await cachedSearch('(|(uid=alice)(uid=erin))', ['title'])).hit, true);
    assert.deepEqual(values(byDn(before.entries, ALICE), 'title'), ['Engineer']);
    await direct(hr, (c) => c.modify(HR_ALICE, replace('title', 'Staff Engineer')));
    await vd.pollChanges();
    const after = await cachedSearch('(|(uid=alice)(uid=erin))', ['title']);
    assert.equal(after.hit, false);
    assert.deepEqual(values(byDn(after.entries, ALICE), 'title'), ['Staff Engineer']);
  });

  it('keeps every cached search when only a container entry changes', async () => {
    await cachedSearch('(uid=erin)', ['uid']);
    await direct(corp, (c) => c.modify('ou=contractors,ou=people,dc=corp,dc=example', replace('description', 'changed')));
    await vd.pollChanges();
    assert.equal((await cachedSearch('(uid=erin)', ['uid'])).hit, true);
  });

  it('drops every cached search of the branch when one poll sees a burst of changes, and answers correctly after', async () => {
    await cachedSearch('(uid=alice)', ['telephoneNumber']);
    assert.equal((await cachedSearch('(uid=alice)', ['telephoneNumber'])).hit, true);
    await direct(corp, async (c) => {
      for (let i = 0; i <= PRECISE_CHANGES_PER_BRANCH; i++) {
        await c.add(`uid=burst${i},ou=people,dc=corp,dc=example`, {
          objectClass: ['inetOrgPerson'], uid: `burst${i}`, cn: `Burst ${i}`, sn: String(i), mail: `burst${i}@corp.example`,
        });
      }
    });
    await vd.pollChanges();
    const after = await cachedSearch('(uid=alice)', ['telephoneNumber']);
    assert.equal(after.hit, false, 'a burst past the limit drops the branch instead of judging each change');
    assert.deepEqual(after.entries.map((e) => e.dn), [ALICE]);
    assert.equal((await cachedSearch(`(uid=burst${PRECISE_CHANGES_PER_BRANCH})`, ['uid'])).entries.length, 1);
  });
});

