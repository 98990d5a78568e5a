/**
 * Paged results (RFC 2696) answered by the view over the joined stream, and
 * what a contributor that is down changes (and does not change) for a compare
 * and a base-object search. corp (primary) and hr (contributor) are real slapd
 * servers; joins run two entries at a time so pages cut across join batches.
 */
import assert from 'node:assert/strict';
import { DirgateError, LDAP_RESULT } from '../../../src/errors.js';
import { createVirtualDirectory, type VirtualDirectory } from '../../../src/directory/index.js';
import type { Control, SearchRequest } from '../../../src/directory/model.js';
import type { LdapSource } from '../../../src/directory/sources/types.js';
import { decodePaged, encodePaged } from '../../../src/directory/paged-results.js';
import { startSlapd, type Slapd } from '../../helpers/slapd.js';
import {
  FIXTURES, cacheConfig, crash, ctx, log, makeSource, revive, search, sourceConfig, testViews, values, type SearchOutcome,
} from './harness.js';

const PAGED = '1.2.840.113556.1.4.319';
const PEOPLE = 'ou=people,o=example';
const BOB = 'uid=bob,ou=people,o=example';
const isCode = (code: string) => (e: unknown) => e instanceof DirgateError && e.code === code;

/** Two more people, so that six identities make three pages of two. */
const MORE_CORP = ['frank', 'grace'].map((u) => `
dn: uid=${u},ou=people,dc=corp,dc=example
objectClass: inetOrgPerson
uid: ${u}
cn: ${u[0]!.toUpperCase()}${u.slice(1)} Test
sn: Test
mail: ${u}@corp.example
`).join('');
const MORE_HR = `
dn: mail=frank@corp.example,ou=staff,o=hr
objectClass: hrPerson
mail: frank@corp.example
cn: Frank Test
employeeID: 1006
title: Analyst
`;

function pagedControl(size: number, cookie: Buffer, criticality = true): Control {
  return { type: PAGED, criticality, value: encodePaged({ size, cookie }) };
}

function cookieOf(outcome: SearchOutcome): Buffer {
  const control = outcome.result.controls?.find((c) => c.type === PAGED);
  assert.ok(control, 'the result carries the paged-results response control');
  const value = decodePaged(control.value);
  assert.ok(value, 'the response control value is SEQUENCE { size, cookie }');
  return value.cookie;
}

const config = () => ({ views: testViews(), profile: { source: 'corp', baseDn: 'ou=dirgate,dc=corp,dc=example' } });
const uids = (outcome: SearchOutcome) => outcome.entries.map((e) => values(e, 'uid')[0]);

describe('virtual directory: paged results over joined entries, and a contributor that is down', function () {
  this.timeout(60_000);
  let corp: Slapd;
  let hr: Slapd;
  let sources: Map<string, LdapSource>;
  /** Without a cache: every page runs the streamed, joined search. */
  let streamed: VirtualDirectory;
  /** With the search cache. */
  let cached: VirtualDirectory;

  before(async () => {
    [corp, hr] = await Promise.all([
      startSlapd({ suffix: 'dc=corp,dc=example', ldif: [`${FIXTURES}/corp.ldif`, MORE_CORP] }),
      startSlapd({ suffix: 'o=hr', ldif: [`${FIXTURES}/hr.ldif`, MORE_HR], extraSchemas: [`${FIXTURES}/hr-schema.ldif`] }),
    ]);
    sources = new Map([
      ['corp', makeSource(sourceConfig('corp', [corp.url], 'dc=corp,dc=example', { dn: corp.rootDn, password: corp.rootPassword }))],
      ['hr', makeSource(sourceConfig('hr', [hr.url], 'o=hr', { dn: hr.rootDn, password: hr.rootPassword }))],
    ]);
    streamed = createVirtualDirectory({ ...config(), cache: { ...cacheConfig, enabled: false } }, { log, sources, background: false, batchSize: 2 });
    cached = createVirtualDirectory({ ...config(), cache: cacheConfig }, { log, sources, background: false, batchSize: 2 });
  });

  after(async () => {
    await streamed?.close();
    await cached?.close();
    for (const s of sources?.values() ?? []) await s.close();
    await Promise.all([corp?.stop(), hr?.stop()]);
  });

  /** Every page of a paged search of the people, until the cookie is empty (at most ten). */
  async function allPages(vd: VirtualDirectory, size: number, options: Partial<SearchRequest> = {}): Promise<SearchOutcome[]> {
    const pages: SearchOutcome[] = [];
    let cookie: Buffer = Buffer.alloc(0);
    do {
      const page = await search(vd, PEOPLE, '(objectClass=inetOrgPerson)', { attributes: ['uid', 'title'], ...options, controls: [pagedControl(size, cookie)] });
      pages.push(page);
      cookie = cookieOf(page);
    } while (cookie.length > 0 && pages.length < 10);
    return pages;
  }

  describe('paged results', () => {
    it('returns six joined people in three pages of two, each once, with hr titles, and an empty cookie on the last', async () => {
      const whole = await search(streamed, PEOPLE, '(objectClass=inetOrgPerson)', { attributes: ['uid', 'title'] });
      assert.equal(whole.entries.length, 6);
      const pages = await allPages(streamed, 2);
      assert.deepEqual(pages.map((p) => [p.result.resultCode, p.entries.length]), [[0, 2], [0, 2], [0, 2]]);
      assert.deepEqual(pages.map((p) => cookieOf(p).length > 0), [true, true, false]);
      const paged = pages.flatMap(uids);
      assert.deepEqual(paged, uids(whole), 'the pages, in order, are the unpaged answer');
      const entries = pages.flatMap((p) => p.entries);
      const title = (uid: string) => values(entries.find((e) => values(e, 'uid')[0] === uid), 'title');
      assert.deepEqual([title('alice'), title('bob'), title('frank'), title('erin')], [['Engineer'], ['Support Engineer'], ['Analyst'], []]);
    });

    it('answers a full last page with an empty cookie, and a page size past the end with everything', async () => {
      assert.deepEqual((await allPages(streamed, 3)).map((p) => [p.entries.length, cookieOf(p).length > 0]), [[3, true], [3, false]]);
      assert.deepEqual((await allPages(streamed, 100)).map((p) => [p.entries.length, cookieOf(p).length > 0]), [[6, false]]);
    });

    it('counts the size limit over the whole paged result, not per page', async () => {
      const pages = await allPages(streamed, 2, { sizeLimit: 3 });
      assert.deepEqual(pages.map((p) => [p.result.resultCode, p.entries.length]), [[LDAP_RESULT.success, 2], [LDAP_RESULT.sizeLimitExceeded, 1]]);
      assert.equal(cookieOf(pages[1]!).length, 0);
    });

    it('serves pages from the search cache once a paged search went to its end, with the same answer', async () => {
      const cold = await allPages(cached, 2);
      const hits = cached.cacheStats().searches.hits;
      const warm = await allPages(cached, 2);
      assert.equal(cached.cacheStats().searches.hits, hits + 3, 'each page a cache hit');
      assert.deepEqual(warm.map(uids), cold.map(uids));
      assert.deepEqual(warm.map((p) => cookieOf(p).length > 0), [true, true, false]);
      const unpaged = await search(cached, PEOPLE, '(objectClass=inetOrgPerson)', { attributes: ['uid', 'title'] });
      assert.deepEqual(uids(unpaged), cold.flatMap(uids));
    });

    it('refuses a cookie of another search, and one that was altered, with unwillingToPerform', async () => {
      const first = await search(streamed, PEOPLE, '(objectClass=inetOrgPerson)', { attributes: ['uid'], controls: [pagedControl(2, Buffer.alloc(0))] });
      const cookie = cookieOf(first);
      await assert.rejects(search(streamed, PEOPLE, '(uid=*)', { attributes: ['uid'], controls: [pagedControl(2, cookie)] }), isCode('ERR_UNWILLING_TO_PERFORM'));
      await assert.rejects(search(streamed, PEOPLE, '(objectClass=inetOrgPerson)', { attributes: ['uid', 'mail'], controls: [pagedControl(2, cookie)] }), isCode('ERR_UNWILLING_TO_PERFORM'));
      const altered = Buffer.from(cookie);
      altered.writeUInt32BE(0, 1);
      await assert.rejects(search(streamed, PEOPLE, '(objectClass=inetOrgPerson)', { attributes: ['uid'], controls: [pagedControl(2, altered)] }), isCode('ERR_UNWILLING_TO_PERFORM'));
      const other = createVirtualDirectory({ ...config(), cache: { ...cacheConfig, enabled: false } }, { log, sources, background: false });
      try {
        await assert.rejects(search(other, PEOPLE, '(objectClass=inetOrgPerson)', { attributes: ['uid'], controls: [pagedControl(2, cookie)] }), isCode('ERR_UNWILLING_TO_PERFORM'));
      } finally {
        await other.close();
      }
    });

    it('ends a paged search on a page size of zero, returning nothing', async () => {
      const first = await search(streamed, PEOPLE, '(objectClass=inetOrgPerson)', { attributes: ['uid'], controls: [pagedControl(2, Buffer.alloc(0))] });
      const end = await search(streamed, PEOPLE, '(objectClass=inetOrgPerson)', { attributes: ['uid'], controls: [pagedControl(0, cookieOf(first))] });
      assert.deepEqual([end.result.resultCode, end.entries.length, cookieOf(end).length], [LDAP_RESULT.success, 0, 0]);
    });

    it('still refuses other critical controls, and a malformed paged-results value', async () => {
      await assert.rejects(search(streamed, PEOPLE, '(uid=bob)', { controls: [{ type: '1.2.840.113556.1.4.473', criticality: true }] }), isCode('ERR_UNAVAILABLE_CRITICAL_EXTENSION'));
      await assert.rejects(search(streamed, PEOPLE, '(uid=bob)', { controls: [{ type: PAGED, criticality: true, value: Buffer.from([0x04, 0x00]) }] }), isCode('ERR_MALFORMED_REQUEST'));
    });
  });

  describe('with hr down', () => {
    before(() => crash(hr));
    after(() => revive(hr));

    it('answers a compare of an attribute hr keeps with couldNotConnect, and one of a corp attribute as usual', async () => {
      await assert.rejects(streamed.compare({ dn: BOB, attribute: 'title', value: 'Support Engineer', controls: [] }, ctx), isCode('ERR_COULD_NOT_CONNECT'));
      const cn = await streamed.compare({ dn: BOB, attribute: 'cn', value: 'Bob Brown', controls: [] }, ctx);
      assert.equal(cn.resultCode, LDAP_RESULT.compareTrue);
    });

    it('answers a base-object search for corp attributes with success, as the one-level search finds the same entry', async () => {
      const base = await search(streamed, BOB, '(objectClass=*)', { scope: 'base', attributes: ['uid', 'cn'] });
      const one = await search(streamed, PEOPLE, '(uid=bob)', { scope: 'one', attributes: ['uid', 'cn'] });
      assert.deepEqual([base.result.resultCode, uids(base), values(base.entries[0], 'cn')], [LDAP_RESULT.success, ['bob'], ['Bob Brown']]);
      assert.deepEqual([one.result.resultCode, uids(one)], [LDAP_RESULT.success, ['bob']]);
    });

    it('answers a base-object search that needs hr with what corp has and unavailable (52)', async () => {
      const byAttribute = await search(streamed, BOB, '(objectClass=*)', { scope: 'base', attributes: ['uid', 'title'] });
      assert.deepEqual([byAttribute.result.resultCode, uids(byAttribute), values(byAttribute.entries[0], 'title')], [LDAP_RESULT.unavailable, ['bob'], []]);
      const byFilter = await search(streamed, BOB, '(!(departmentNumber=1))', { scope: 'base', attributes: ['uid'] });
      assert.equal(byFilter.result.resultCode, LDAP_RESULT.unavailable);
    });
  });
});
