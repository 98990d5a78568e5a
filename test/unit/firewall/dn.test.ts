import assert from 'node:assert/strict';
import { isUnder, normalizeDn, sameDn } from '../../../src/firewall/dn.js';

const dn = (text: string) => {
  const parsed = normalizeDn(text);
  assert.ok(parsed, `${text} should parse`);
  return parsed;
};

describe('DN normalization for the subtree rule', () => {
  it('compares types and values without regard to case or insignificant spaces', () => {
    assert.ok(sameDn(dn('UID=Alice , OU=People,o=example'), dn('uid=alice,ou=people,o=example')));
    assert.ok(sameDn(dn('cn=John  Smith,o=x'), dn('cn=john smith,o=x')));
  });

  it('reads escapes, hex pairs and multi-valued RDNs in any order', () => {
    assert.ok(sameDn(dn('cn=a\\,b,o=x'), dn('cn=a\\2cb,o=x')));
    assert.ok(sameDn(dn('cn=a+uid=b,o=x'), dn('uid=b+cn=a,o=x')));
    assert.equal(dn('cn=a\\,b,o=x').length, 2);
  });

  it('knows what is under what', () => {
    const base = dn('ou=people,o=example');
    assert.ok(isUnder(dn('uid=a,ou=people,o=example'), base));
    assert.ok(isUnder(base, base));
    assert.ok(!isUnder(dn('o=example'), base));
    assert.ok(!isUnder(dn('uid=a,ou=people,o=example2'), base));
    assert.ok(!isUnder(dn('uid=a,ou=people\\,o=example'), base), 'an escaped comma is not a separator');
    assert.ok(isUnder(dn('uid=a,o=example'), dn('')), 'the empty DN is the root of everything');
  });

  it('refuses to parse what it cannot read with certainty', () => {
    for (const bad of ['uid', '=a', 'cn="quoted",o=x', 'cn=a;o=x', 'cn=a\\', 'c n=a', 'cn=#zz']) assert.equal(normalizeDn(bad), undefined, bad);
  });
});
