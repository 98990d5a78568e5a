import assert from 'node:assert/strict';
import { DirgateError } from '../../../src/errors.js';
import { escapeFilterValue, filterAttributes, formatFilter, parseFilter } from '../../../src/directory/view/filter-text.js';

describe('LDAP filter strings (RFC 4515)', () => {
  it('parses nested AND, OR and NOT into the model tree', () => {
    assert.deepEqual(parseFilter('(&(objectClass=person)(|(uid=a*)(!(cn=b))))'), {
      type: 'and',
      filters: [
        { type: 'equality', attribute: 'objectClass', value: 'person' },
        { type: 'or', filters: [
          { type: 'substrings', attribute: 'uid', initial: 'a', any: [] },
          { type: 'not', filter: { type: 'equality', attribute: 'cn', value: 'b' } },
        ] },
      ],
    });
  });

  it('parses every item kind', () => {
    assert.deepEqual(parseFilter('(mail=*)'), { type: 'present', attribute: 'mail' });
    assert.deepEqual(parseFilter('(cn=*a*b*c)'), { type: 'substrings', attribute: 'cn', any: ['a', 'b'], final: 'c' });
    assert.deepEqual(parseFilter('(uidNumber>=10)'), { type: 'greaterOrEqual', attribute: 'uidNumber', value: '10' });
    assert.deepEqual(parseFilter('(uidNumber<=10)'), { type: 'lessOrEqual', attribute: 'uidNumber', value: '10' });
    assert.deepEqual(parseFilter('(cn~=bob)'), { type: 'approx', attribute: 'cn', value: 'bob' });
    assert.deepEqual(parseFilter('(cn:dn:caseExactMatch:=Bob)'), { type: 'extensible', attribute: 'cn', matchingRule: 'caseExactMatch', value: 'Bob', dnAttributes: true });
    assert.deepEqual(parseFilter('(:1.2.3:=x)'), { type: 'extensible', matchingRule: '1.2.3', value: 'x', dnAttributes: false });
  });

  it('unescapes values, keeping non-UTF-8 bytes as a Buffer', () => {
    assert.deepEqual(parseFilter('(cn=a\\2ab\\28\\29)'), { type: 'equality', attribute: 'cn', value: 'a*b()' });
    const f = parseFilter('(objectGUID=\\ff\\00)');
    assert.ok(f.type === 'equality' && Buffer.isBuffer(f.value) && f.value.equals(Buffer.from([0xff, 0])));
  });

  it('tolerates a bare item without parentheses', () => {
    assert.deepEqual(parseFilter('objectClass=person'), { type: 'equality', attribute: 'objectClass', value: 'person' });
  });

  for (const bad of ['(cn=a', '(&(cn=a)', '(cn=a)(cn=b)', '(=x)', '(cn=a(b)', '(c n=x)']) {
    it(`refuses "${bad}"`, () => {
      assert.throws(() => parseFilter(bad), (e: unknown) => e instanceof DirgateError && e.code === 'ERR_MALFORMED_REQUEST');
    });
  }

  it('formats a tree back to the same filter, escaped', () => {
    for (const text of ['(&(departmentNumber=42)(mail=*@corp.example))', '(|(cn=a\\2a)(!(sn=*x*y)))', '(cn:dn:2.5.13.5:=Bob)']) {
      assert.equal(formatFilter(parseFilter(text)), text);
    }
    assert.equal(escapeFilterValue('a*(b)\\'), 'a\\2a\\28b\\29\\5c');
  });

  it('lists the attributes a filter names, lower-cased and without options', () => {
    assert.deepEqual([...filterAttributes(parseFilter('(&(CN;lang-en=a)(|(Mail=*)(!(title=x))))'))].sort(), ['cn', 'mail', 'title']);
  });
});
