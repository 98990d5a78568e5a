import assert from 'node:assert/strict';
import type { Slapd } from '../../helpers/slapd.js';
import type { LdapSource } from '../../../src/directory/sources/types.js';
import {
  ALICE, BOB, CORP_SUFFIX, PEOPLE, collect, dnsOf, entriesOf, openSource, rejection, searchRequest, startCorpSource, valuesOf,
} from './source-fixture.js';

const ERIN = `uid=erin,${PEOPLE}`;
const PRE_READ = '1.3.6.1.1.13.1';
const WHO_AM_I = '1.3.6.1.4.1.4203.1.11.3';

describe('LDAP source writes against a real slapd', () => {
  let slapd: Slapd;
  let source: LdapSource;
  let close: () => Promise<void>;

  const read = async (dn: string, attributes: string[] = []) =>
    entriesOf(await collect(source.search(searchRequest({ baseDN: dn, scope: 'base', attributes }))))[0];

  before(async () => {
    ({ slapd, source, close } = await startCorpSource());
  });
  after(() => close?.());

  it('adds an entry with text and binary values, and refuses adding it twice', async () => {
    const photo = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
    const result = await source.add({
      dn: ERIN,
      attributes: [
        { type: 'objectClass', values: ['inetOrgPerson'] },
        { type: 'uid', values: ['erin'] },
        { type: 'cn', values: ['Erin Ërdős'] },
        { type: 'sn', values: ['Ërdős'] },
        { type: 'jpegPhoto', values: [photo] },
      ],
      controls: [],
    });
    assert.equal(result.resultCode, 0);
    const erin = await read(ERIN, ['cn', 'jpegPhoto']);
    assert.deepEqual(valuesOf(erin, 'cn'), ['Erin Ërdős']);
    assert.deepEqual(valuesOf(erin, 'jpegPhoto'), [photo]);
    const again = await rejection(source.add({ dn: ERIN, attributes: [{ type: 'objectClass', values: ['inetOrgPerson'] }, { type: 'uid', values: ['erin'] }, { type: 'cn', values: ['x'] }, { type: 'sn', values: ['x'] }], controls: [] }));
    assert.equal(again.code, 'ERR_ALREADY_EXISTS');
  });

  it('modifies with add, replace and delete, and maps schema refusals to their codes', async () => {
    await source.modify({
      dn: ERIN,
      changes: [
        { operation: 'add', attribute: { type: 'mail', values: ['erin@corp.example', 'e@corp.example'] } },
        { operation: 'replace', attribute: { type: 'telephoneNumber', values: ['+1 555 0199'] } },
        { operation: 'delete', attribute: { type: 'jpegPhoto', values: [] } },
      ],
      controls: [],
    });
    const erin = await read(ERIN, ['mail', 'telephoneNumber', 'jpegPhoto']);
    assert.deepEqual([...valuesOf(erin, 'mail')].sort(), ['e@corp.example', 'erin@corp.example']);
    assert.deepEqual(valuesOf(erin, 'telephoneNumber'), ['+1 555 0199']);
    assert.deepEqual(valuesOf(erin, 'jpegPhoto'), []);
    const undefinedType = await rejection(source.modify({ dn: ERIN, changes: [{ operation: 'add', attribute: { type: 'noSuchAttributeType', values: ['x'] } }], controls: [] }));
    assert.equal(undefinedType.code, 'ERR_UNDEFINED_ATTRIBUTE_TYPE');
    const missingValue = await rejection(source.modify({ dn: ERIN, changes: [{ operation: 'delete', attribute: { type: 'mail', values: ['nobody@corp.example'] } }], controls: [] }));
    assert.equal(missingValue.code, 'ERR_NO_SUCH_ATTRIBUTE');
    assert.doesNotMatch(missingValue.message, /modify\/delete|nobody/i, 'no server diagnostic text in the message');
  });

  it('returns response controls of a write (pre-read) with their BER value', async () => {
    // LDAPAttributeSelection: SEQUENCE OF OCTET STRING, here ("mail").
    const selection = Buffer.from([0x30, 0x06, 0x04, 0x04, ...Buffer.from('mail')]);
    const result = await source.modify({
      dn: ERIN,
      changes: [{ operation: 'replace', attribute: { type: 'mail', values: ['erin@new.example'] } }],
      controls: [{ type: PRE_READ, criticality: true, value: selection }],
    });
    const control = result.controls?.find((c) => c.type === PRE_READ);
    assert.ok(control?.value, 'the pre-read response control came back');
    // The value is a SearchResultEntry holding the old mail values.
    assert.ok(control.value.includes(Buffer.from('erin@corp.example')));
  });

  it('compares values, true and false, and reports a missing entry', async () => {
    assert.equal((await source.compare({ dn: ALICE, attribute: 'uid', value: 'alice', controls: [] })).resultCode, 6);
    assert.equal((await source.compare({ dn: ALICE, attribute: 'uid', value: 'bob', controls: [] })).resultCode, 5);
    // An assertion value that is not UTF-8 goes as its bytes.
    const dave = `uid=dave,${PEOPLE}`;
    assert.equal((await source.compare({ dn: dave, attribute: 'userPassword', value: Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]), controls: [] })).resultCode, 6);
    const noRule = await rejection(source.compare({ dn: ALICE, attribute: 'jpegPhoto', value: Buffer.from([1]), controls: [] }));
    assert.equal(noRule.ldapCode, 18, 'inappropriateMatching keeps its LDAP code');
    const missing = await rejection(source.compare({ dn: `uid=nobody,${PEOPLE}`, attribute: 'uid', value: 'x', controls: [] }));
    assert.equal(missing.code, 'ERR_NO_SUCH_OBJECT');
  });

  it('renames and moves an entry with modifyDN, keeping or deleting the old RDN as asked', async () => {
    await source.modifyDN({ dn: ERIN, newRDN: 'uid=erin2', deleteOldRDN: false, controls: [] });
    const kept = await read(`uid=erin2,${PEOPLE}`, ['uid']);
    assert.deepEqual([...valuesOf(kept, 'uid')].sort(), ['erin', 'erin2']);
    await source.modifyDN({ dn: `uid=erin2,${PEOPLE}`, newRDN: 'uid=erin3', deleteOldRDN: true, newSuperior: `ou=groups,${CORP_SUFFIX}`, controls: [] });
    const moved = await read(`uid=erin3,ou=groups,${CORP_SUFFIX}`, ['uid']);
    assert.deepEqual([...valuesOf(moved, 'uid')].sort(), ['erin', 'erin3']);
    assert.equal((await rejection(read(`uid=erin2,${PEOPLE}`))).code, 'ERR_NO_SUCH_OBJECT');
  });

  it('deletes a leaf, and refuses to delete an entry with children', async () => {
    await source.delete({ dn: `uid=erin3,ou=groups,${CORP_SUFFIX}`, controls: [] });
    assert.equal((await rejection(read(`uid=erin3,ou=groups,${CORP_SUFFIX}`))).code, 'ERR_NO_SUCH_OBJECT');
    const nonLeaf = await rejection(source.delete({ dn: PEOPLE, controls: [] }));
    assert.equal(nonLeaf.code, 'ERR_NOT_ALLOWED_ON_NON_LEAF');
  });

  it('runs an operation bound as the user: a user may change their own entry but not another', async () => {
    const asBob = { bindAs: { dn: BOB, password: 'bob-pass' } };
    await source.modify({ dn: BOB, changes: [{ operation: 'replace', attribute: { type: 'telephoneNumber', values: ['+1 555 0202'] } }], controls: [] }, asBob);
    assert.deepEqual(valuesOf(await read(BOB, ['telephoneNumber']), 'telephoneNumber'), ['+1 555 0202']);
    const denied = await rejection(source.modify({ dn: ALICE, changes: [{ operation: 'replace', attribute: { type: 'telephoneNumber', values: ['0'] } }], controls: [] }, asBob));
    assert.equal(denied.code, 'ERR_INSUFFICIENT_ACCESS');
    // A user sees what the ACL lets them: not another user's password.
    const events = await collect(source.search(searchRequest({ baseDN: ALICE, scope: 'base', attributes: ['userPassword', 'cn'] }), asBob));
    assert.deepEqual(entriesOf(events)[0]?.attributes.map((a) => a.type), ['cn']);
    const wrong = await rejection(source.modify({ dn: BOB, changes: [], controls: [] }, { bindAs: { dn: BOB, password: 'wrong' } }));
    assert.equal(wrong.code, 'ERR_AUTHENTICATION_FAILED');
  });

  it('passes an extended operation through (Who am I?) with the caller\'s identity', async () => {
    const result = await source.extended({ oid: WHO_AM_I, controls: [] }, { bindAs: { dn: BOB, password: 'bob-pass' } });
    assert.equal(result.resultCode, 0);
    assert.equal(result.value?.toString('utf8').toLowerCase(), `dn:${BOB}`);
    const startTls = await rejection(source.extended({ oid: '1.3.6.1.4.1.1466.20037', controls: [] }));
    assert.equal(startTls.code, 'ERR_UNSUPPORTED_OPERATION');
  });

  it('refuses every write on a read-only source without contacting it, and still reads', async () => {
    const readOnly = openSource({ urls: [slapd.url], readOnly: true, bind: { dn: slapd.rootDn, password: slapd.rootPassword } });
    try {
      const attempts = [
        readOnly.add({ dn: ERIN, attributes: [], controls: [] }),
        readOnly.modify({ dn: ALICE, changes: [], controls: [] }),
        readOnly.delete({ dn: ALICE, controls: [] }),
        readOnly.modifyDN({ dn: ALICE, newRDN: 'uid=x', deleteOldRDN: true, controls: [] }),
      ];
      for (const attempt of attempts) assert.equal((await rejection(attempt)).reason, 'source-read-only');
      assert.deepEqual(dnsOf(await collect(readOnly.search(searchRequest({ baseDN: ALICE, scope: 'base' })))), [ALICE]);
    } finally {
      await readOnly.close();
    }
  });
});
