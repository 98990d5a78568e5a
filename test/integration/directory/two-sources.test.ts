/**
 * The virtual directory over two real OpenLDAP servers with different suffixes
 * and schemas: corp (inetOrgPerson, dc=corp,dc=example) is primary, hr (its
 * own hrPerson class and employeeID, o=hr) contributes. hr is stopped and
 * restarted in the middle (partial results), and everything written through
 * the view is checked on each server directly.
 */
import assert from 'node:assert/strict';
import { Change, Attribute as LdapAttribute } from 'ldapts';
import { DirgateError, LDAP_RESULT } from '../../../src/errors.js';
import { createVirtualDirectory, type VirtualDirectory } from '../../../src/directory/index.js';
import type { LdapSource } from '../../../src/directory/sources/types.js';
import type { Slapd } from '../../helpers/slapd.js';
import {
  byDn, cacheConfig, crash, ctx, direct, log, readDirect, revive, search, startCorpAndHr, testViews, values, type CorpAndHr,
} from './harness.js';

const ALICE = 'uid=alice,ou=people,o=example';
const isCode = (code: string) => (e: unknown) => e instanceof DirgateError && e.code === code;

describe('virtual directory: corp and hr joined on mail, on two slapd servers', function () {
  this.timeout(60_000);
  let corp: Slapd;
  let hr: Slapd;
  let sources: Map<string, LdapSource>;
  let vd: VirtualDirectory;
  let running: CorpAndHr | undefined;

  before(async () => {
    running = await startCorpAndHr();
    ({ corp, hr, sources, vd } = running);
  });

  after(async () => {
    await running?.close();
  });

  describe('reading', () => {
    it("joins alice's mail from corp with her title and mapped employeeNumber from hr in one entry", async () => {
      const { entries, result } = await search(vd, ALICE, '(objectClass=*)', { scope: 'base' });
      assert.equal(result.resultCode, LDAP_RESULT.success);
      assert.equal(entries.length, 1);
      const alice = entries[0]!;
      assert.equal(alice.dn, ALICE);
      assert.deepEqual(values(alice, 'mail'), ['alice@corp.example']);
      assert.deepEqual(values(alice, 'title'), ['Engineer']);
      assert.deepEqual(values(alice, 'employeeNumber'), ['1001']);
      assert.deepEqual(values(alice, 'employeeID'), []);
      assert.deepEqual(values(alice, 'telephoneNumber'), ['+1 555 0101']);
    });

    it("rewrites hr's manager DN (keyed by mail) to the manager's virtual DN, and leaves one naming nobody in corp", async () => {
      const { entries } = await search(vd, 'ou=people,o=example', '(|(uid=alice)(uid=carol))');
      assert.deepEqual(values(byDn(entries, ALICE), 'manager'), ['uid=carol,ou=people,o=example']);
      assert.deepEqual(values(byDn(entries, 'uid=carol,ou=people,o=example'), 'manager'), ['mail=dave@corp.example,ou=staff,o=hr']);
    });

    it('flattens the primary subtree: carol, in a nested container of corp, is named directly under the branch', async () => {
      const { entries } = await search(vd, 'uid=carol,ou=people,o=example', '(objectClass=*)', { scope: 'base' });
      assert.deepEqual(values(entries[0], 'title'), ['Engineering Manager']);
    });

    it('answers the suffix and lists the branches one level down', async () => {
      const one = await search(vd, 'o=example', '(objectClass=*)', { scope: 'one' });
      assert.deepEqual(one.entries.map((e) => e.dn).sort(), ['ou=groups,o=example', 'ou=people,o=example']);
      const base = await search(vd, 'o=example', '(objectClass=*)', { scope: 'base' });
      assert.deepEqual(values(base.entries[0], 'objectClass'), ['top', 'organization']);
    });

    it('applies a filter over attributes of both sources to the joined entries', async () => {
      const { entries, result } = await search(vd, 'ou=people,o=example', '(&(departmentNumber=42)(mail=*@corp.example))', { attributes: ['uid', 'title'] });
      assert.equal(result.resultCode, LDAP_RESULT.success);
      assert.deepEqual(entries.map((e) => values(e, 'uid')[0]).sort(), ['alice', 'bob', 'carol']);
      assert.deepEqual(entries.find((e) => values(e, 'uid')[0] === 'bob')!.attributes.map((a) => a.type).sort(), ['title', 'uid']);
    });

    it('maps a filter on a mapped attribute back to the source name (employeeNumber -> employeeID)', async () => {
      const { entries } = await search(vd, 'o=example', '(employeeNumber=1002)');
      assert.deepEqual(entries.map((e) => e.dn), ['uid=bob,ou=people,o=example']);
    });

    it('finds identities by a NOT over a contributor attribute, including those hr knows nothing of', async () => {
      const { entries } = await search(vd, 'ou=people,o=example', '(&(uid=*)(!(departmentNumber=42)))', { attributes: ['uid'] });
      assert.deepEqual(entries.map((e) => values(e, 'uid')[0]).sort(), ['erin']);
    });

    it('joins in batches: batches of two give the same answer as one batch', async () => {
      const small = createVirtualDirectory(
        { views: testViews(), cache: { ...cacheConfig, enabled: false }, profile: { source: 'corp', baseDn: 'ou=dirgate,dc=corp,dc=example' } },
        { log, sources, background: false, batchSize: 2 },
      );
      try {
        const a = await search(vd, 'ou=people,o=example', '(uid=*)', { attributes: ['title', 'manager'] });
        const b = await search(small, 'ou=people,o=example', '(uid=*)', { attributes: ['title', 'manager'] });
        assert.equal(b.entries.length, 4);
        assert.deepEqual(b.entries.sort((x, y) => x.dn.localeCompare(y.dn)), a.entries.sort((x, y) => x.dn.localeCompare(y.dn)));
        const byHr = await search(small, 'ou=people,o=example', '(departmentNumber=42)', { attributes: ['uid'] });
        assert.equal(byHr.entries.length, 3);
      } finally {
        await small.close();
      }
    });

    it('returns nothing for a filter only an orphan in hr matches', async () => {
      const { entries, result } = await search(vd, 'ou=people,o=example', '(departmentNumber=1)');
      assert.equal(result.resultCode, LDAP_RESULT.success);
      assert.deepEqual(entries, []);
    });

    it('returns attribute names without values for typesOnly', async () => {
      const { entries } = await search(vd, ALICE, '(objectClass=*)', { scope: 'base', typesOnly: true, attributes: ['title', 'mail'] });
      assert.deepEqual(entries[0]!.attributes, [{ type: 'mail', values: [] }, { type: 'title', values: [] }]);
    });

    it('rewrites group members into the view', async () => {
      const { entries } = await search(vd, 'cn=staff,ou=groups,o=example', '(objectClass=*)', { scope: 'base' });
      assert.deepEqual(values(entries[0], 'member').sort(), [ALICE, 'uid=bob,ou=people,o=example']);
    });

    it('honours the size limit with sizeLimitExceeded', async () => {
      const { entries, result } = await search(vd, 'ou=people,o=example', '(objectClass=*)', { sizeLimit: 2 });
      assert.equal(entries.length, 2);
      assert.equal(result.resultCode, LDAP_RESULT.sizeLimitExceeded);
    });

    it('refuses an unindexed substring search with adminLimitExceeded', async () => {
      await assert.rejects(search(vd, 'ou=people,o=example', '(title=*engineer*)'), isCode('ERR_ADMIN_LIMIT_EXCEEDED'));
    });

    it('answers noSuchObject with the matched DN for an entry that does not exist', async () => {
      await assert.rejects(search(vd, 'uid=nobody,ou=people,o=example', '(objectClass=*)', { scope: 'base' }),
        (e: unknown) => e instanceof DirgateError && e.code === 'ERR_NO_SUCH_OBJECT' && e.matchedDN === 'ou=people,o=example');
    });
  });

  describe('binds and user names', () => {
    it('binds alice by virtual DN against corp, and refuses a wrong password', async () => {
      assert.equal(await vd.bind('UID=Alice,OU=People,O=Example', 'alice-pass', ctx), ALICE);
      await assert.rejects(vd.bind(ALICE, 'wrong', ctx), isCode('ERR_AUTHENTICATION_FAILED'));
      await assert.rejects(vd.bind('uid=nobody,ou=people,o=example', 'x', ctx), isCode('ERR_AUTHENTICATION_FAILED'));
      await assert.rejects(vd.bind(ALICE, '', ctx), isCode('ERR_AUTHENTICATION_FAILED'));
    });

    it('resolves a bare user name to the joined entry', async () => {
      const carol = await vd.resolveUser('carol');
      assert.equal(carol?.dn, 'uid=carol,ou=people,o=example');
      assert.deepEqual(values(carol, 'title'), ['Engineering Manager']);
      assert.equal(await vd.resolveUser('nobody'), undefined);
    });

    it('compares a joined attribute', async () => {
      const r = await vd.compare({ dn: ALICE, attribute: 'title', value: 'engineer', controls: [] }, ctx);
      assert.equal(r.resultCode, LDAP_RESULT.compareTrue);
    });
  });

  describe('the unresolved list', () => {
    it("lists dave, who is only in hr, as an orphan, and nobody else", async () => {
      await vd.reconcile();
      const items = vd.unresolved();
      assert.deepEqual(items.map((i) => [i.reason, i.source, i.sourceDn, i.correlationValue]), [
        ['orphan', 'hr', 'mail=dave@corp.example,ou=staff,o=hr', 'dave@corp.example'],
      ]);
    });

    it('lists an identity that two hr records match and never merges either', async () => {
      await direct(hr, (c) => c.add('cn=Bob Duplicate,ou=staff,o=hr', {
        objectClass: 'hrPerson', cn: 'Bob Duplicate', mail: 'BOB@corp.example', title: 'Impostor',
      }));
      try {
        await vd.reconcile(['people']);
        const item = vd.unresolved().find((i) => i.reason === 'contributor-ambiguous');
        assert.equal(item?.virtualDn, 'uid=bob,ou=people,o=example');
        assert.equal(item?.candidates?.length, 2);
        const { entries } = await search(vd, 'uid=bob,ou=people,o=example', '(objectClass=*)', { scope: 'base' });
        assert.deepEqual(values(entries[0], 'title'), []);
        assert.deepEqual(values(entries[0], 'mail'), ['bob@corp.example']);
      } finally {
        await direct(hr, (c) => c.del('cn=Bob Duplicate,ou=staff,o=hr'));
        await vd.reconcile(['people']);
      }
      assert.deepEqual(vd.unresolved().map((i) => i.reason), ['orphan']);
    });
  });

  describe('writes routed to the owners', () => {
    it('sends telephoneNumber to corp and title to hr, in one modify', async () => {
      await vd.modify({ dn: ALICE, changes: [
        { operation: 'replace', attribute: { type: 'telephoneNumber', values: ['+1 555 9999'] } },
        { operation: 'replace', attribute: { type: 'title', values: ['Senior Engineer'] } },
        { operation: 'replace', attribute: { type: 'employeeNumber', values: ['2001'] } },
      ], controls: [] }, ctx);
      const c = await readDirect(corp, 'uid=alice,ou=people,dc=corp,dc=example');
      const h = await readDirect(hr, 'mail=Alice@Corp.Example,ou=staff,o=hr');
      assert.deepEqual(c!.telephonenumber, ['+1 555 9999']);
      assert.equal(c!.title, undefined);
      assert.deepEqual(h!.title, ['Senior Engineer']);
      assert.deepEqual(h!.employeeid, ['2001']);
      assert.equal(h!.telephonenumber, undefined);
    });

    it('undoes the corp half when the hr half fails, and says so', async () => {
      await assert.rejects(vd.modify({ dn: ALICE, changes: [
        { operation: 'replace', attribute: { type: 'telephoneNumber', values: ['+1 555 0000'] } },
        { operation: 'add', attribute: { type: 'title', values: ['Senior Engineer'] } }, // already there: hr refuses
      ], controls: [] }, ctx), (e: unknown) => e instanceof DirgateError && e.code === 'ERR_WRITE_INCOMPLETE'
        && /hr: modify title failed/.test(e.message) && /written then undone: corp: modify telephoneNumber/.test(e.message)
        && /nothing remains written/.test(e.message) && !/127\.0\.0\.1/.test(e.message));
      const c = await readDirect(corp, 'uid=alice,ou=people,dc=corp,dc=example');
      assert.deepEqual(c!.telephonenumber, ['+1 555 9999']);
    });

    it('carries a changed mail to hr so the identity stays joined', async () => {
      await vd.modify({ dn: 'uid=bob,ou=people,o=example', changes: [
        { operation: 'replace', attribute: { type: 'mail', values: ['robert@corp.example'] } },
      ], controls: [] }, ctx);
      assert.equal(await readDirect(hr, 'mail=bob@corp.example,ou=staff,o=hr'), undefined);
      assert.deepEqual((await readDirect(hr, 'mail=robert@corp.example,ou=staff,o=hr'))!.mail, ['robert@corp.example']);
      const { entries } = await search(vd, 'uid=bob,ou=people,o=example', '(objectClass=*)', { scope: 'base' });
      assert.deepEqual(values(entries[0], 'title'), ['Support Engineer']);
    });

    it('adds an identity to corp and provisions its hr record, then deletes both, hr first', async () => {
      const dn = 'uid=frank,ou=people,o=example';
      await vd.add({ dn, attributes: [
        { type: 'objectClass', values: ['inetOrgPerson'] }, { type: 'cn', values: ['Frank Fox'] }, { type: 'sn', values: ['Fox'] },
        { type: 'mail', values: ['frank@corp.example'] }, { type: 'title', values: ['Intern'] }, { type: 'employeeNumber', values: ['3001'] },
      ], controls: [] }, ctx);
      assert.deepEqual((await readDirect(corp, 'uid=frank,ou=people,dc=corp,dc=example'))!.sn, ['Fox']);
      const h = await readDirect(hr, 'mail=frank@corp.example,ou=staff,o=hr');
      assert.deepEqual([h!.title, h!.employeeid, h!.cn], [['Intern'], ['3001'], ['Frank Fox']]);
      const { entries } = await search(vd, dn, '(objectClass=*)', { scope: 'base' });
      assert.deepEqual(values(entries[0], 'title'), ['Intern']);

      await vd.delete({ dn, controls: [] }, ctx);
      assert.equal(await readDirect(corp, 'uid=frank,ou=people,dc=corp,dc=example'), undefined);
      assert.equal(await readDirect(hr, 'mail=frank@corp.example,ou=staff,o=hr'), undefined);
    });

    it('renames an identity in corp, with its profile entry, and keeps its join', async () => {
      await vd.modify({ dn: 'uid=erin,ou=people,o=example', changes: [{ operation: 'add', attribute: { type: 'preferredLanguage', values: ['de'] } }], controls: [] }, ctx);
      await vd.modifyDN({ dn: 'uid=erin,ou=people,o=example', newRDN: 'uid=erin2', deleteOldRDN: true, controls: [] }, ctx);
      assert.ok(await readDirect(corp, 'uid=erin2,ou=people,dc=corp,dc=example'));
      assert.equal(await readDirect(corp, 'uid=erin,ou=people,dc=corp,dc=example'), undefined);
      assert.ok(await readDirect(corp, 'uid=erin2,ou=people,ou=dirgate,dc=corp,dc=example'));
      const { entries } = await search(vd, 'uid=erin2,ou=people,o=example', '(objectClass=*)', { scope: 'base' });
      assert.deepEqual(values(entries[0], 'uid'), ['erin2']);
      assert.deepEqual(values(entries[0], 'preferredLanguage'), ['de']);
      await assert.rejects(search(vd, 'uid=erin,ou=people,o=example', '(objectClass=*)', { scope: 'base' }), isCode('ERR_NO_SUCH_OBJECT'));
      await vd.modifyDN({ dn: 'uid=erin2,ou=people,o=example', newRDN: 'uid=erin', deleteOldRDN: true, controls: [] }, ctx);
      await vd.modify({ dn: 'uid=erin,ou=people,o=example', changes: [{ operation: 'delete', attribute: { type: 'preferredLanguage', values: [] } }], controls: [] }, ctx);
      assert.deepEqual((await readDirect(corp, 'uid=erin,ou=people,ou=dirgate,dc=corp,dc=example'))!.preferredlanguage, undefined);
    });

    it('creates the hr record of an identity hr knows nothing of, with cn copied from corp, since hr is provisioned', async () => {
      await vd.modify({ dn: 'uid=erin,ou=people,o=example', changes: [{ operation: 'replace', attribute: { type: 'title', values: ['Analyst'] } }], controls: [] }, ctx);
      const h = await readDirect(hr, 'mail=erin@corp.example,ou=staff,o=hr');
      assert.deepEqual([h!.title, h!.cn], [['Analyst'], ['Erin Evans']]);
      await direct(hr, (c) => c.del('mail=erin@corp.example,ou=staff,o=hr'));
    });

    it('keeps profile attributes in the extended profile, creating its containers on first write', async () => {
      await vd.modify({ dn: ALICE, changes: [{ operation: 'replace', attribute: { type: 'preferredLanguage', values: ['fr'] } }], controls: [] }, ctx);
      const p = await readDirect(corp, 'uid=alice,ou=people,ou=dirgate,dc=corp,dc=example');
      assert.deepEqual(p!.preferredlanguage, ['fr']);
      assert.equal((await readDirect(corp, 'uid=alice,ou=people,dc=corp,dc=example'))!.preferredlanguage, undefined);
      const { entries } = await search(vd, ALICE, '(preferredLanguage=FR)', { scope: 'base' });
      assert.deepEqual(values(entries[0], 'preferredLanguage'), ['fr']);
    });

    it('refuses the naming attribute in a modify and writes to the view structure', async () => {
      await assert.rejects(vd.modify({ dn: ALICE, changes: [{ operation: 'replace', attribute: { type: 'uid', values: ['al'] } }], controls: [] }, ctx), isCode('ERR_NOT_ALLOWED_ON_RDN'));
      await assert.rejects(vd.delete({ dn: 'ou=people,o=example', controls: [] }, ctx), isCode('ERR_UNWILLING_TO_PERFORM'));
    });
  });

  describe('the cache', () => {
    it('serves a repeated search from the cache and drops it when dirgate writes', async () => {
      const before = vd.cacheStats().searches;
      await search(vd, 'ou=people,o=example', '(departmentNumber=42)', { attributes: ['title'] });
      await search(vd, 'ou=people,o=example', '(departmentNumber=42)', { attributes: ['title'] });
      assert.equal(vd.cacheStats().searches.hits, before.hits + 1);
      await vd.modify({ dn: ALICE, changes: [{ operation: 'replace', attribute: { type: 'title', values: ['Principal Engineer'] } }], controls: [] }, ctx);
      const { entries } = await search(vd, 'ou=people,o=example', '(departmentNumber=42)', { attributes: ['title'] });
      assert.deepEqual(values(byDn(entries, ALICE), 'title'), ['Principal Engineer']);
      assert.equal(vd.cacheStats().searches.hits, before.hits + 1);
    });

    it('keeps serving a change made behind its back until the next poll, then the new value', async () => {
      const first = await search(vd, ALICE, '(objectClass=*)', { scope: 'base' });
      assert.deepEqual(values(first.entries[0], 'departmentNumber'), ['42']);
      await direct(hr, (c) => c.modify('mail=Alice@Corp.Example,ou=staff,o=hr', new Change({ operation: 'replace', modification: new LdapAttribute({ type: 'departmentNumber', values: ['77'] }) })));
      const stale = await search(vd, ALICE, '(objectClass=*)', { scope: 'base' });
      assert.deepEqual(values(stale.entries[0], 'departmentNumber'), ['42']);
      const report = await vd.pollChanges();
      assert.ok(report.sources.some((s) => s.source === 'hr' && s.changed >= 1));
      const fresh = await search(vd, ALICE, '(objectClass=*)', { scope: 'base' });
      assert.deepEqual(values(fresh.entries[0], 'departmentNumber'), ['77']);
    });

    it('skips the searches of a poll when the contextCSN has not moved', async () => {
      await vd.pollChanges();
      const report = await vd.pollChanges();
      assert.ok(report.sources.every((s) => s.skipped), JSON.stringify(report));
    });
  });

  describe('when a source is down', () => {
    it('answers from corp alone with unavailable when hr is stopped, naming no host, and in full once it is back', async () => {
      await crash(hr);
      try {
        const { entries, result } = await search(vd, 'ou=people,o=example', '(uid=*)', { attributes: ['uid', 'title'] });
        assert.equal(result.resultCode, LDAP_RESULT.unavailable);
        assert.match(result.diagnosticMessage ?? '', /source hr did not answer/);
        assert.doesNotMatch(result.diagnosticMessage ?? '', /127\.0\.0\.1|ldap:\/\//);
        assert.ok(entries.length >= 4);
        assert.ok(entries.every((e) => values(e, 'title').length === 0));
      } finally {
        await revive(hr);
      }
      const { entries, result } = await search(vd, 'ou=people,o=example', '(uid=alice)', { attributes: ['title'] });
      assert.equal(result.resultCode, LDAP_RESULT.success);
      assert.deepEqual(values(entries[0], 'title'), ['Principal Engineer']);
    });

    it('fails with couldNotConnect when corp, the primary, is down', async () => {
      await crash(corp);
      try {
        await assert.rejects(search(vd, 'ou=people,o=example', '(uid=bob)', { attributes: ['title'] }), isCode('ERR_COULD_NOT_CONNECT'));
      } finally {
        await revive(corp);
      }
    });
  });
});
