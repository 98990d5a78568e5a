import assert from 'node:assert/strict';
import { DirgateError } from '../../../src/errors.js';
import {
  dnEquals, escapeDnValue, formatDn, isStrictlyUnder, isUnder, leafValue, normalizeDn, parentDn, parseDn, rdn, rebaseDn,
} from '../../../src/directory/dn.js';

describe('distinguished names (RFC 4514)', () => {
  it('parses a plain DN leaf first', () => {
    assert.deepEqual(parseDn('uid=alice,ou=people,dc=corp,dc=example'), [
      [{ type: 'uid', value: 'alice' }], [{ type: 'ou', value: 'people' }], [{ type: 'dc', value: 'corp' }], [{ type: 'dc', value: 'example' }],
    ]);
  });

  it('reads escaped specials, hex escapes of UTF-8 and multi-valued RDNs', () => {
    const dn = parseDn('cn=Smith\\, John+uid=js,ou=R\\c3\\a9seau,o=example');
    assert.deepEqual(dn[0], [{ type: 'cn', value: 'Smith, John' }, { type: 'uid', value: 'js' }]);
    assert.equal(dn[1]![0]!.value, 'Réseau');
  });

  it('keeps escaped leading and trailing spaces but drops unescaped ones around separators', () => {
    assert.equal(parseDn('cn=\\ x\\ , o=a')[0]![0]!.value, ' x ');
    assert.equal(parseDn('cn = bob , o = a')[0]![0]!.value, 'bob');
  });

  it('accepts hex (BER) values and RFC 1779 quoted values', () => {
    assert.deepEqual(parseDn('1.3.6.1.4.1.1466.0=#04024869,o=a')[0], [{ type: '1.3.6.1.4.1.1466.0', value: '#04024869', hex: true }]);
    assert.equal(parseDn('cn="a, b",o=x')[0]![0]!.value, 'a, b');
  });

  it('treats the empty string as the root DN', () => {
    assert.deepEqual(parseDn(''), []);
    assert.equal(formatDn([]), '');
  });

  for (const bad of ['uid', 'uid=alice,', '=x,o=a', 'cn=a\\zz', 'cn=a<b', 'cn="open']) {
    it(`refuses "${bad}" with ERR_INVALID_DN`, () => {
      assert.throws(() => parseDn(bad), (e: unknown) => e instanceof DirgateError && e.code === 'ERR_INVALID_DN');
    });
  }

  it('escapes what a value needs and nothing more', () => {
    assert.equal(escapeDnValue('Smith, John'), 'Smith\\, John');
    assert.equal(escapeDnValue(' #lead'), '\\ #lead');
    assert.equal(escapeDnValue('#hash'), '\\#hash');
    assert.equal(escapeDnValue('a+b;c<d>e"f\\g'), 'a\\+b\\;c\\<d\\>e\\"f\\\\g');
    assert.equal(escapeDnValue('trail '), 'trail\\ ');
    assert.equal(rdn('uid', 'a,b'), 'uid=a\\,b');
  });

  it('formats what it parses back to an equal DN', () => {
    for (const text of ['cn=Smith\\, John+uid=js,o=example', 'uid=\\#x,ou=a\\+b,o=c', 'cn=\\ x\\ ,o=a']) {
      assert.ok(dnEquals(formatDn(parseDn(text)), text));
    }
  });

  it('compares types and values case-insensitively with insignificant spaces', () => {
    assert.ok(dnEquals('UID=Alice,OU=People,O=Example', 'uid=alice,ou=people,o=example'));
    assert.ok(dnEquals('cn=John   Smith,o=x', 'cn=john smith,o=x'));
    assert.ok(dnEquals('cn=a+uid=b,o=x', 'uid=B+CN=A,o=x'));
    assert.ok(!dnEquals('uid=alice,o=x', 'uid=alicia,o=x'));
  });

  it('normalises escaped commas so they never look like separators', () => {
    assert.equal(normalizeDn('cn=A\\, B,o=X'), 'cn=a\\, b,o=x');
  });

  it('knows ancestors and rewrites a DN from one base to another', () => {
    assert.ok(isUnder('uid=alice,ou=people,o=example', 'O=Example'));
    assert.ok(isUnder('o=example', 'o=example'));
    assert.ok(!isStrictlyUnder('o=example', 'o=example'));
    assert.ok(!isUnder('o=example', 'ou=people,o=example'));
    assert.ok(isUnder('o=example', ''));
    assert.equal(rebaseDn('uid=alice,ou=people,dc=corp,dc=example', 'ou=people,dc=corp,dc=example', 'ou=people,o=example'), 'uid=alice,ou=people,o=example');
    assert.equal(parentDn('uid=alice,ou=people,o=example'), 'ou=people,o=example');
    assert.equal(leafValue('UID=alice,o=x', 'uid'), 'alice');
  });
});
