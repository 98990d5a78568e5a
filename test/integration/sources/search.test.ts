import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Slapd } from '../../helpers/slapd.js';
import type { Filter } from '../../../src/directory/model.js';
import type { LdapSource } from '../../../src/directory/sources/types.js';
import {
  ALICE, BOB, CORP_LDIF, CORP_SUFFIX, PEOPLE, collect, dnsOf, entriesOf, openSource, rejection, searchRequest, startCorpSource, valuesOf,
} from './source-fixture.js';

const PAGED_RESULTS = '1.2.840.113556.1.4.319';

/** BER of the paged results control value: SEQUENCE { INTEGER size, OCTET STRING cookie }. */
function pagedValue(size: number, cookie: Buffer = Buffer.alloc(0)): Buffer {
  const body = Buffer.concat([Buffer.from([0x02, 0x01, size]), Buffer.from([0x04, cookie.length]), cookie]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

function cookieOf(value: Buffer): Buffer {
  // SEQUENCE, then INTEGER (tag, length, bytes), then OCTET STRING.
  const intLength = value[3] as number;
  const at = 4 + intLength;
  return value.subarray(at + 2, at + 2 + (value[at + 1] as number));
}

describe('LDAP source search against a real slapd', () => {
  let slapd: Slapd;
  let source: LdapSource;
  let close: () => Promise<void>;
  let ldifText: string;

  before(async () => {
    ({ slapd, source, close } = await startCorpSource());
    ldifText = await readFile(CORP_LDIF, 'utf8');
  });
  after(() => close?.());

  it('finds people with equality, substring, presence, ordering, and/or/not filters', async () => {
    const cases: Array<[Filter, string[]]> = [
      [{ type: 'equality', attribute: 'uid', value: 'alice' }, ['alice']],
      [{ type: 'substrings', attribute: 'cn', initial: 'B', any: ['o'], final: 'wn' }, ['bob']],
      [{ type: 'present', attribute: 'telephoneNumber' }, ['alice', 'bob']],
      [{ type: 'greaterOrEqual', attribute: 'uidNumber', value: '1002' }, ['bob', 'carol']],
      [{ type: 'lessOrEqual', attribute: 'uidNumber', value: '1001' }, ['alice', 'dave']],
      [{ type: 'and', filters: [{ type: 'present', attribute: 'mail' }, { type: 'not', filter: { type: 'equality', attribute: 'uid', value: 'bob' } }] }, ['alice', 'carol']],
      [{ type: 'or', filters: [{ type: 'equality', attribute: 'uid', value: 'carol' }, { type: 'equality', attribute: 'mail', value: 'ALICE@corp.example' }] }, ['alice', 'carol']],
      [{ type: 'extensible', attribute: 'uid', matchingRule: 'caseExactMatch', value: 'bob', dnAttributes: false }, ['bob']],
    ];
    for (const [filter, uids] of cases) {
      const events = await collect(source.search(searchRequest({ filter, attributes: ['uid'] })));
      const found = entriesOf(events).map((e) => String(valuesOf(e, 'uid')[0])).sort();
      assert.deepEqual(found, uids, JSON.stringify(filter));
      assert.deepEqual(events.at(-1), { kind: 'done', result: { resultCode: 0 } });
    }
  });

  it('treats filter values as data, never as filter syntax', async () => {
    const events = await collect(source.search(searchRequest({ filter: { type: 'equality', attribute: 'uid', value: '*)(uid=*' } })));
    assert.deepEqual(entriesOf(events), []);
  });

  it('honours base, one-level and subtree scopes', async () => {
    const base = await collect(source.search(searchRequest({ baseDN: ALICE, scope: 'base' })));
    assert.deepEqual(dnsOf(base), [ALICE]);
    const one = await collect(source.search(searchRequest({ baseDN: CORP_SUFFIX, scope: 'one' })));
    assert.deepEqual(dnsOf(one), [`ou=groups,${CORP_SUFFIX}`, PEOPLE]);
    const sub = await collect(source.search(searchRequest({ baseDN: CORP_SUFFIX, scope: 'sub' })));
    assert.equal(dnsOf(sub).length, ldifText.match(/^dn:/gm)?.length);
  });

  it('returns only the requested attributes, operational ones on request, and names only with typesOnly', async () => {
    const [picked] = entriesOf(await collect(source.search(searchRequest({ baseDN: ALICE, scope: 'base', attributes: ['cn', 'mail'] }))));
    assert.deepEqual(picked?.attributes.map((a) => a.type).sort(), ['cn', 'mail']);
    const [none] = entriesOf(await collect(source.search(searchRequest({ baseDN: ALICE, scope: 'base', attributes: ['1.1'] }))));
    assert.deepEqual(none?.attributes, []);
    const [operational] = entriesOf(await collect(source.search(searchRequest({ baseDN: ALICE, scope: 'base', attributes: ['entryUUID'] }))));
    assert.match(String(valuesOf(operational, 'entryUUID')[0]), /^[0-9a-f-]{36}$/);
    const [typesOnly] = entriesOf(await collect(source.search(searchRequest({ baseDN: ALICE, scope: 'base', attributes: ['cn', 'sn'], typesOnly: true }))));
    assert.deepEqual(typesOnly?.attributes, [{ type: 'cn', values: [] }, { type: 'sn', values: [] }]);
  });

  it('dereferences aliases only when asked to', async () => {
    const groups = `ou=groups,${CORP_SUFFIX}`;
    await source.add({
      dn: `uid=al,${groups}`,
      attributes: [{ type: 'objectClass', values: ['alias', 'extensibleObject'] }, { type: 'uid', values: ['al'] }, { type: 'aliasedObjectName', values: [ALICE] }],
      controls: [],
    });
    const find = (derefAliases: 'never' | 'always') => collect(source.search(searchRequest({ baseDN: groups, scope: 'one', derefAliases, filter: { type: 'present', attribute: 'uid' }, attributes: ['uid'] })));
    assert.deepEqual(dnsOf(await find('never')), [`uid=al,${groups}`]);
    assert.deepEqual(dnsOf(await find('always')), [ALICE]);
    await source.delete({ dn: `uid=al,${groups}`, controls: [] });
  });

  it('keeps binary values byte-exact and UTF-8 text as strings', async () => {
    const expectedPhoto = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0'),
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from([0xff, 0xd9])]);
    const [alice] = entriesOf(await collect(source.search(searchRequest({ baseDN: ALICE, scope: 'base', attributes: ['jpegPhoto', 'description', 'cn'] }))));
    const [photo] = valuesOf(alice, 'jpegPhoto');
    assert.ok(Buffer.isBuffer(photo));
    assert.ok(expectedPhoto.equals(photo));
    assert.deepEqual(valuesOf(alice, 'description'), ['Élève d\'échange']);
    assert.deepEqual(valuesOf(alice, 'cn'), ['Alice Anderson']);
  });

  it('returns a known binary attribute as bytes even when they read as UTF-8, and bytes that are not UTF-8 as a Buffer', async () => {
    const tiny = Buffer.from('abc');
    await source.modify({ dn: BOB, changes: [{ operation: 'replace', attribute: { type: 'jpegPhoto', values: [tiny] } }], controls: [] });
    const [bob] = entriesOf(await collect(source.search(searchRequest({ baseDN: BOB, scope: 'base', attributes: ['jpegPhoto', 'audio', 'userPassword'] }))));
    assert.deepEqual(valuesOf(bob, 'jpegPhoto'), [tiny]);
    assert.deepEqual(valuesOf(bob, 'audio'), [Buffer.concat([Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x81]), Buffer.from('not utf8')])]);
    // userPassword is an octet string, not a known binary type: text when it is UTF-8.
    assert.deepEqual(valuesOf(bob, 'userPassword'), ['bob-pass']);
    const [dave] = entriesOf(await collect(source.search(searchRequest({ baseDN: `uid=dave,${PEOPLE}`, scope: 'base', attributes: ['userPassword'] }))));
    assert.deepEqual(valuesOf(dave, 'userPassword'), [Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff])]);
  });

  it('sends assertion values given as bytes unchanged, in equality, substring and ordering filters', async () => {
    const eq = await collect(source.search(searchRequest({ filter: { type: 'equality', attribute: 'userPassword', value: Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]) }, attributes: ['1.1'] })));
    assert.deepEqual(dnsOf(eq), [`uid=dave,${PEOPLE}`]);
    // String syntaxes have substring rules; a value given as its UTF-8 bytes must match like the text.
    const sub = await collect(source.search(searchRequest({ filter: { type: 'substrings', attribute: 'description', initial: Buffer.from('élève', 'utf8'), any: [Buffer.from('é', 'utf8')], final: undefined }, attributes: ['1.1'] })));
    assert.deepEqual(dnsOf(sub), [ALICE]);
    const ge = await collect(source.search(searchRequest({ filter: { type: 'greaterOrEqual', attribute: 'uidNumber', value: Buffer.from('1003') }, attributes: ['1.1'] })));
    assert.deepEqual(dnsOf(ge), [`uid=carol,${PEOPLE}`]);
  });

  it('ends with sizeLimitExceeded after the entries that fit', async () => {
    const events = await collect(source.search(searchRequest({ sizeLimit: 2, filter: { type: 'present', attribute: 'uid' } })));
    assert.equal(entriesOf(events).length, 2);
    assert.deepEqual(events.at(-1), { kind: 'done', result: { resultCode: 4 } });
  });

  it('throws ERR_NO_SUCH_OBJECT, with the matched DN, for a missing base', async () => {
    const err = await rejection(collect(source.search(searchRequest({ baseDN: `ou=nowhere,${CORP_SUFFIX}` }))));
    assert.equal(err.code, 'ERR_NO_SUCH_OBJECT');
    assert.equal(err.ldapCode, 32);
    assert.equal(err.matchedDN?.toLowerCase(), CORP_SUFFIX);
  });

  it('passes the paged results control through, so a client can page across requests with the cookie', async () => {
    const seen: string[] = [];
    let cookie: Buffer = Buffer.alloc(0);
    let pages = 0;
    do {
      const events = await collect(source.search(searchRequest({
        filter: { type: 'present', attribute: 'uid' }, attributes: ['uid'],
        controls: [{ type: PAGED_RESULTS, criticality: true, value: pagedValue(2, cookie) }],
      })));
      const entries = entriesOf(events);
      assert.ok(entries.length <= 2);
      seen.push(...entries.map((e) => e.dn.toLowerCase()));
      const done = events.at(-1);
      assert.equal(done?.kind, 'done');
      const control = done?.kind === 'done' ? done.result.controls?.find((c) => c.type === PAGED_RESULTS) : undefined;
      assert.ok(control?.value, 'the response carries the paged results control');
      cookie = cookieOf(control.value);
      pages += 1;
    } while (cookie.length > 0 && pages < 10);
    assert.equal(pages, 2);
    assert.deepEqual(seen.sort(), [ALICE, BOB, `uid=carol,${PEOPLE}`, `uid=dave,${PEOPLE}`]);
  });

  it('reads the contextCSN of the suffix (syncprov), and it moves on after a write', async () => {
    const read = async () => String(valuesOf(entriesOf(await collect(source.search(searchRequest({ baseDN: CORP_SUFFIX, scope: 'base', attributes: ['contextCSN'] }))))[0], 'contextCSN')[0]);
    const before = await read();
    assert.match(before, /^\d{14}\.\d{6}Z#/);
    await source.modify({ dn: ALICE, changes: [{ operation: 'replace', attribute: { type: 'title', values: ['Engineer'] } }], controls: [] });
    assert.ok((await read()) > before);
  });

  it('lets a consumer stop early and keeps serving afterwards', async () => {
    for await (const event of source.search(searchRequest())) {
      assert.equal(event.kind, 'entry');
      break;
    }
    const events = await collect(source.search(searchRequest({ baseDN: ALICE, scope: 'base' })));
    assert.deepEqual(dnsOf(events), [ALICE]);
  });

  it('refuses a filter with an invalid attribute description before contacting the server', async () => {
    const err = await rejection(collect(source.search(searchRequest({ filter: { type: 'present', attribute: 'cn)(uid=*' } }))));
    assert.equal(err.code, 'ERR_MALFORMED_REQUEST');
  });
});
