import assert from 'node:assert/strict';
import { BerReader, BerWriter, FilterParser, type Filter as LdapFilter } from 'ldapts';
import { DirgateError } from '../../../src/errors.js';
import type { Filter } from '../../../src/directory/model.js';
import { toLdapFilter } from '../../../src/directory/sources/filter.js';

function ber(filter: LdapFilter): Buffer {
  const writer = new BerWriter();
  filter.write(writer);
  return writer.buffer;
}

/** What a server would read: the BER parsed back and shown in RFC 4515 form. */
function asServerSees(filter: Filter): string {
  return FilterParser.parse(new BerReader(ber(toLdapFilter(filter)))).toString();
}

function refusal(filter: Filter): DirgateError {
  try {
    toLdapFilter(filter);
  } catch (err) {
    assert.ok(err instanceof DirgateError);
    return err;
  }
  assert.fail('expected the filter to be refused');
}

describe('model filters as ldapts filters', () => {
  it('builds every filter type from structure', () => {
    const cases: Array<[Filter, string]> = [
      [{ type: 'equality', attribute: 'uid', value: 'alice' }, '(uid=alice)'],
      [{ type: 'substrings', attribute: 'cn', initial: 'Al', any: ['i', 'c'], final: 'e' }, '(cn=Al*i*c*e)'],
      [{ type: 'substrings', attribute: 'cn', any: ['lic'] }, '(cn=*lic*)'],
      [{ type: 'greaterOrEqual', attribute: 'uidNumber', value: '1000' }, '(uidnumber>=1000)'],
      [{ type: 'lessOrEqual', attribute: 'uidNumber', value: '2000' }, '(uidnumber<=2000)'],
      [{ type: 'approx', attribute: 'sn', value: 'smith' }, '(sn~=smith)'],
      [{ type: 'not', filter: { type: 'equality', attribute: 'mail', value: 'x' } }, '(!(mail=x))'],
      [{ type: 'and', filters: [{ type: 'equality', attribute: 'objectClass', value: 'person' }, { type: 'or', filters: [{ type: 'equality', attribute: 'uid', value: 'a' }, { type: 'equality', attribute: 'uid', value: 'b' }] }] },
        '(&(objectclass=person)(|(uid=a)(uid=b)))'],
    ];
    for (const [filter, expected] of cases) assert.equal(asServerSees(filter), expected);
    // ldapts's own parser misreads a presence filter, so check its bytes: [7] "mail".
    assert.deepEqual(ber(toLdapFilter({ type: 'present', attribute: 'mail' })), Buffer.from([0x87, 0x04, ...Buffer.from('mail')]));
    // Likewise an extensible match with dnAttributes: (cn:dn:2.5.13.5:=Bob), in RFC 4511 order.
    assert.deepEqual(ber(toLdapFilter({ type: 'extensible', attribute: 'cn', matchingRule: '2.5.13.5', value: 'Bob', dnAttributes: true })), Buffer.from([
      0xa9, 0x16, 0x81, 0x08, ...Buffer.from('2.5.13.5'), 0x82, 0x02, ...Buffer.from('cn'), 0x83, 0x03, ...Buffer.from('Bob'), 0x84, 0x01, 0xff,
    ]));
  });

  it('keeps filter metacharacters in values as data', () => {
    assert.equal(asServerSees({ type: 'equality', attribute: 'cn', value: '*)(uid=*' }), '(cn=\\2a\\29\\28uid=\\2a)');
    assert.equal(asServerSees({ type: 'substrings', attribute: 'cn', initial: 'a*b', any: [], final: '(c)' }), '(cn=a\\2ab*\\28c\\29)');
  });

  it('writes binary assertion values byte for byte in every value-bearing filter', () => {
    const bytes = Buffer.from([0x00, 0xff, 0x28, 0x2a, 0x80]);
    const filters: Filter[] = [
      { type: 'equality', attribute: 'objectGUID', value: bytes },
      { type: 'substrings', attribute: 'x', initial: bytes, any: [bytes], final: bytes },
      { type: 'greaterOrEqual', attribute: 'x', value: bytes },
      { type: 'lessOrEqual', attribute: 'x', value: bytes },
      { type: 'approx', attribute: 'x', value: bytes },
      { type: 'extensible', matchingRule: 'octetStringMatch', value: bytes, dnAttributes: false },
    ];
    for (const filter of filters) {
      const encoded = ber(toLdapFilter(filter));
      const withLength = Buffer.concat([Buffer.from([bytes.length]), bytes]);
      assert.ok(encoded.includes(withLength), `${filter.type} carries the bytes`);
    }
    // UTF-8 text given as bytes or as a string encodes the same.
    assert.deepEqual(
      ber(toLdapFilter({ type: 'substrings', attribute: 'cn', initial: Buffer.from('Élè', 'utf8'), any: [] })),
      ber(toLdapFilter({ type: 'substrings', attribute: 'cn', initial: 'Élè', any: [] })),
    );
  });

  it('writes the empty AND and OR of RFC 4526 (absolute true and false)', () => {
    assert.deepEqual(ber(toLdapFilter({ type: 'and', filters: [] })), Buffer.from([0xa0, 0x00]));
    assert.deepEqual(ber(toLdapFilter({ type: 'or', filters: [] })), Buffer.from([0xa1, 0x00]));
  });

  it('accepts attribute descriptions with options and OIDs, and refuses anything else', () => {
    assert.equal(asServerSees({ type: 'equality', attribute: 'userCertificate;binary', value: 'x' }), '(usercertificate;binary=x)');
    assert.equal(asServerSees({ type: 'equality', attribute: '2.5.4.3', value: 'x' }), '(2.5.4.3=x)');
    for (const attribute of ['cn)(uid=*', '', 'c n', 'cn=', 'é', '1.']) {
      assert.equal(refusal({ type: 'present', attribute }).code, 'ERR_MALFORMED_REQUEST', attribute);
    }
  });

  it('refuses substrings without parts and extensible filters without attribute or rule', () => {
    assert.equal(refusal({ type: 'substrings', attribute: 'cn', any: [] }).reason, 'empty-substrings-filter');
    assert.equal(refusal({ type: 'extensible', value: 'x', dnAttributes: false }).reason, 'invalid-extensible-filter');
    assert.equal(refusal({ type: 'extensible', matchingRule: 'bad rule', value: 'x', dnAttributes: false }).reason, 'invalid-matching-rule');
  });
});
