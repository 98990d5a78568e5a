import assert from 'node:assert/strict';
import { DirgateError } from '../../../src/errors.js';
import { dnKey, formatDn, isWithin, keyOf, parseDn } from '../../../src/directory/embedded/dn.js';

describe('distinguished names in the embedded directory', () => {
  it('gives one key to the same name written with other case and spacing', () => {
    assert.equal(keyOf('UID=Alice , OU=People,dc=Corp'), keyOf('uid=alice,ou=people,DC=corp'));
    assert.equal(keyOf('cn=Jane  Doe,o=x'), keyOf('cn=jane doe,o=x'));
    assert.equal(keyOf('cn=a+uid=b,o=x'), keyOf('uid=B+CN=A,o=x'), 'multi-valued RDNs in any order');
  });

  it('decodes escapes, quoted values and hex-encoded values', () => {
    assert.deepEqual(parseDn('cn=Smith\\, John,o=x')[0], [{ type: 'cn', value: 'Smith, John' }]);
    assert.deepEqual(parseDn('cn=a\\\\b,o=x')[0], [{ type: 'cn', value: 'a\\b' }]);
    assert.deepEqual(parseDn('cn=Zo\\C3\\AB,o=x')[0], [{ type: 'cn', value: 'Zoë' }]);
    assert.deepEqual(parseDn('cn=\\ lead and trail\\ ,o=x')[0], [{ type: 'cn', value: ' lead and trail ' }]);
    assert.deepEqual(parseDn('cn="a,b",o=x')[0], [{ type: 'cn', value: 'a,b' }]);
    assert.deepEqual(parseDn('cn=#04024869,o=x')[0], [{ type: 'cn', value: 'Hi' }]);
    assert.deepEqual(parseDn(''), []);
  });

  it('prints names so that they parse back to the same values', () => {
    const dn = parseDn('cn=Smith\\, John+uid=#04024869,ou=a\\+b\\=c,o=\\#x\\ ');
    const printed = formatDn(dn);
    assert.equal(printed, 'cn=Smith\\, John+uid=Hi,ou=a\\+b\\=c,o=\\#x\\ ');
    assert.deepEqual(parseDn(printed), dn);
  });

  it('is not fooled by an escaped comma when deciding what is below what', () => {
    const trick = keyOf('cn=a\\,dc=example');
    assert.equal(isWithin(trick, keyOf('dc=example')), false);
    assert.equal(isWithin(keyOf('cn=a,dc=example'), keyOf('dc=example')), true);
    assert.equal(isWithin(keyOf('dc=example'), keyOf('dc=example')), true);
    assert.equal(isWithin(keyOf('dc=xexample'), keyOf('dc=example')), false);
    assert.equal(dnKey(parseDn('cn=a\\,dc=example')).split(',').length, 1);
  });

  it('refuses malformed names with invalidDNSyntax', () => {
    for (const bad of ['cn', 'cn=a,', '=a', 'cn=a\\', 'cn="open,o=x', '1cn=a', 'cn=#0g', 'cn=a,,o=x']) {
      assert.throws(() => parseDn(bad), (err: unknown) => err instanceof DirgateError && err.code === 'ERR_INVALID_DN', bad);
    }
  });
});
