import assert from 'node:assert/strict';
import { BerWriter, EqualityFilter, type Filter, FilterParser } from 'ldapts';
import { DirgateError } from '../../../src/errors.js';
import { decodeFilter } from '../../../src/directory/embedded/request-tap.js';

/** The filter's BER as a real client (ldapts) sends it. */
function ber(filter: string | Filter): Buffer {
  const writer = new BerWriter();
  (typeof filter === 'string' ? FilterParser.parseString(filter) : filter).write(writer);
  return writer.buffer;
}

describe('search filters decoded from the bytes a client sends', () => {
  it('keeps non-ASCII text and escaped special characters as the client meant them', () => {
    assert.deepEqual(decodeFilter(ber('(cn=Zoë \\28QA\\29)')), { type: 'equality', attribute: 'cn', value: 'Zoë (QA)' });
    assert.deepEqual(decodeFilter(ber('(cn=a\\5cb\\2a)')), { type: 'equality', attribute: 'cn', value: 'a\\b*' });
  });

  it('keeps binary assertion values as bytes', () => {
    const guid = Buffer.from([0xff, 0x00, 0x41]);
    assert.deepEqual(decodeFilter(ber(new EqualityFilter({ attribute: 'objectGUID', value: guid }))), { type: 'equality', attribute: 'objectGUID', value: guid });
  });

  it('decodes every filter choice', () => {
    assert.deepEqual(decodeFilter(ber('(&(a=1)(|(b>=2)(c<=3))(!(d~=4))(e=*))')), {
      type: 'and',
      filters: [
        { type: 'equality', attribute: 'a', value: '1' },
        { type: 'or', filters: [{ type: 'greaterOrEqual', attribute: 'b', value: '2' }, { type: 'lessOrEqual', attribute: 'c', value: '3' }] },
        { type: 'not', filter: { type: 'approx', attribute: 'd', value: '4' } },
        { type: 'present', attribute: 'e' },
      ],
    });
    assert.deepEqual(decodeFilter(ber('(cn=ab*c\\2a*d*ef)')), { type: 'substrings', attribute: 'cn', initial: 'ab', any: ['c*', 'd'], final: 'ef' });
    assert.deepEqual(decodeFilter(ber('(cn=*x)')), { type: 'substrings', attribute: 'cn', any: [], final: 'x' });
    assert.deepEqual(decodeFilter(ber('(ou:dn:caseExactMatch:=People)')), {
      type: 'extensible', attribute: 'ou', matchingRule: 'caseExactMatch', value: 'People', dnAttributes: true,
    });
    assert.deepEqual(decodeFilter(ber('(:2.5.13.2:=x)')), { type: 'extensible', matchingRule: '2.5.13.2', value: 'x', dnAttributes: false });
  });

  it('refuses an unknown filter choice as a malformed request', () => {
    assert.throws(() => decodeFilter(Buffer.from([0xaa, 0x00])), (err: unknown) => err instanceof DirgateError && err.code === 'ERR_MALFORMED_REQUEST');
  });
});
