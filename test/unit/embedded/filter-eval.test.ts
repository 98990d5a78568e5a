import assert from 'node:assert/strict';
import type { Filter, Value } from '../../../src/directory/model.js';
import { parseDn } from '../../../src/directory/embedded/dn.js';
import { type FilterTarget, evaluateFilter } from '../../../src/directory/embedded/filter-eval.js';

function target(attrs: Record<string, Value[]>, dn = 'uid=alice,ou=people,dc=corp,dc=example', hidden: string[] = []): FilterTarget {
  const byKey = new Map(Object.entries(attrs).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    dn: parseDn(dn),
    values: (key) => (hidden.includes(key) ? null : byKey.get(key)),
    readable: () => [...byKey].filter(([k]) => !hidden.includes(k)),
  };
}

const alice = target({
  objectClass: ['top', 'inetOrgPerson'],
  uid: ['alice'],
  cn: ['Alice  Anderson'],
  mail: ['alice@corp.example'],
  employeeNumber: ['1001'],
  departmentNumber: ['42'],
  modifyTimestamp: ['20240102030405Z'],
  manager: ['mail=Carol@corp.example, ou=people, o=hr'],
  objectGUID: [Buffer.from([0x00, 0xff, 0x10])],
  userPassword: ['{SSHA512}secret-hash'],
}, undefined, ['userpassword']);

const eq = (attribute: string, value: Value): Filter => ({ type: 'equality', attribute, value });

describe('search filter evaluation in the embedded directory', () => {
  it('matches equality ignoring case and extra spaces in values and attribute names', () => {
    assert.equal(evaluateFilter(eq('UID', 'ALICE'), alice), true);
    assert.equal(evaluateFilter(eq('cn', 'alice anderson'), alice), true);
    assert.equal(evaluateFilter(eq('uid', 'bob'), alice), false);
    assert.equal(evaluateFilter(eq('telephoneNumber', '1'), alice), false, 'absent attribute is FALSE');
  });

  it('compares DN-valued attributes as names', () => {
    assert.equal(evaluateFilter(eq('manager', 'mail=carol@corp.example,ou=people,o=hr'), alice), true);
  });

  it('compares binary values byte for byte', () => {
    assert.equal(evaluateFilter(eq('objectGUID', Buffer.from([0x00, 0xff, 0x10])), alice), true);
    assert.equal(evaluateFilter(eq('objectGUID', Buffer.from([0x00, 0xff])), alice), false);
  });

  it('matches substrings with initial, any and final parts in order', () => {
    const sub = (initial: string | undefined, any: string[], final: string | undefined): Filter => ({
      type: 'substrings', attribute: 'mail', any, ...(initial ? { initial } : {}), ...(final ? { final } : {}),
    });
    assert.equal(evaluateFilter(sub('ALI', [], undefined), alice), true);
    assert.equal(evaluateFilter(sub(undefined, ['@corp'], '.example'), alice), true);
    assert.equal(evaluateFilter(sub('alice', ['corp', 'ali'], undefined), alice), false, 'parts must come in order');
    assert.equal(evaluateFilter(sub('alice@corp.exam', [], 'example'), alice), false, 'initial and final may not overlap');
  });

  it('orders integers as numbers and timestamps as text', () => {
    assert.equal(evaluateFilter({ type: 'greaterOrEqual', attribute: 'departmentNumber', value: '7' }, alice), true);
    assert.equal(evaluateFilter({ type: 'lessOrEqual', attribute: 'departmentNumber', value: '100' }, alice), true);
    assert.equal(evaluateFilter({ type: 'greaterOrEqual', attribute: 'employeeNumber', value: '1002' }, alice), false);
    assert.equal(evaluateFilter({ type: 'greaterOrEqual', attribute: 'modifyTimestamp', value: '20240102030405Z' }, alice), true);
    assert.equal(evaluateFilter({ type: 'greaterOrEqual', attribute: 'modifyTimestamp', value: '20240102030406Z' }, alice), false);
  });

  it('evaluates presence, approximate match, and the boolean operators', () => {
    assert.equal(evaluateFilter({ type: 'present', attribute: 'objectclass' }, alice), true);
    assert.equal(evaluateFilter({ type: 'present', attribute: 'mobile' }, alice), false);
    assert.equal(evaluateFilter({ type: 'approx', attribute: 'cn', value: 'alice-anderson' }, alice), true);
    const and: Filter = { type: 'and', filters: [eq('uid', 'alice'), { type: 'not', filter: eq('uid', 'bob') }] };
    assert.equal(evaluateFilter(and, alice), true);
    assert.equal(evaluateFilter({ type: 'or', filters: [eq('uid', 'bob'), eq('uid', 'carol')] }, alice), false);
    assert.equal(evaluateFilter({ type: 'and', filters: [] }, alice), true, 'absolute true (RFC 4526)');
    assert.equal(evaluateFilter({ type: 'or', filters: [] }, alice), false, 'absolute false (RFC 4526)');
  });

  it('makes a clause on a hidden attribute Undefined, so NOT cannot reveal it', () => {
    assert.equal(evaluateFilter(eq('userPassword', '{SSHA512}secret-hash'), alice), undefined);
    assert.equal(evaluateFilter({ type: 'not', filter: eq('userPassword', 'x') }, alice), undefined);
    assert.equal(evaluateFilter({ type: 'present', attribute: 'userPassword' }, alice), undefined);
    assert.equal(evaluateFilter({ type: 'or', filters: [eq('userPassword', 'x'), eq('uid', 'alice')] }, alice), true);
    assert.equal(evaluateFilter({ type: 'and', filters: [eq('userPassword', 'x'), eq('uid', 'alice')] }, alice), undefined);
  });

  it('evaluates extensible matches with a matching rule and with dnAttributes', () => {
    const ext = (f: Partial<Extract<Filter, { type: 'extensible' }>>): Filter => ({ type: 'extensible', value: '', dnAttributes: false, ...f });
    assert.equal(evaluateFilter(ext({ attribute: 'uid', matchingRule: 'caseExactMatch', value: 'alice' }), alice), true);
    assert.equal(evaluateFilter(ext({ attribute: 'uid', matchingRule: '2.5.13.5', value: 'Alice' }), alice), false);
    assert.equal(evaluateFilter(ext({ attribute: 'uid', value: 'ALICE' }), alice), true);
    assert.equal(evaluateFilter(ext({ attribute: 'ou', value: 'people' }), alice), false, 'ou is only in the DN');
    assert.equal(evaluateFilter(ext({ attribute: 'ou', value: 'People', dnAttributes: true }), alice), true);
    assert.equal(evaluateFilter(ext({ matchingRule: 'caseIgnoreMatch', value: 'corp', dnAttributes: true }), alice), true);
    assert.equal(evaluateFilter(ext({ attribute: 'uid', matchingRule: '1.2.3.4.5', value: 'alice' }), alice), undefined, 'unknown rule');
    assert.equal(evaluateFilter(ext({ attribute: 'employeeNumber', matchingRule: 'integerMatch', value: '01001' }), alice), true);
  });
});
