import assert from 'node:assert/strict';
import { dnEquals, isUnder, normalizeDn, parentDn, parseDn, rdn } from '../../../src/directory/dn.js';
import { parseXml } from '../../../src/spml/xml.js';
import { DirgateError } from '../../../src/errors.js';

describe('DNs as SPML places PSOs', () => {
  it('builds an RDN from any value and reads the same value back', () => {
    for (const value of ['Smith, John', ' lead', 'trail ', '#hash', 'a+b=c', 'back\\slash', 'quote"d', 'Zoë <z>']) {
      const dn = `${rdn('cn', value)},ou=people,o=example`;
      assert.equal(parseDn(dn)[0]![0]!.value, value, dn);
      assert.ok(dnEquals(parentDn(dn), 'OU=People, O=Example'));
    }
  });

  it('is not fooled by an escaped comma when deciding what is below what', () => {
    assert.equal(isUnder('cn=x\\,ou=people,o=other', 'ou=people,o=example'), false);
    assert.equal(isUnder('cn=x,ou=people,o=example', 'ou=people,o=example'), true);
    assert.equal(isUnder('cn=x,ou=people,o=example', 'OU=People, O=EXAMPLE'), true);
    assert.equal(normalizeDn('UID=Bob+CN=Bob , OU=People'), normalizeDn('cn=bob+uid=bob,ou=people'));
  });

  it('refuses text that is not a DN with ERR_INVALID_DN', () => {
    for (const bad of ['uid', 'uid=a,', '=a', 'uid=a;b', 'u_id=a']) {
      assert.throws(() => parseDn(bad), (e: unknown) => e instanceof DirgateError && e.code === 'ERR_INVALID_DN', bad);
    }
  });
});

describe('the SPML XML reader', () => {
  it('refuses nesting deeper than the limit and more elements than the limit', () => {
    const deep = `${'<a>'.repeat(20)}${'</a>'.repeat(20)}`;
    assert.throws(() => parseXml(deep, { maxDepth: 10, maxElements: 1000 }), (e: unknown) => e instanceof DirgateError && e.code === 'ERR_LIMIT_EXCEEDED');
    const wide = `<a>${'<b/>'.repeat(50)}</a>`;
    assert.throws(() => parseXml(wide, { maxDepth: 10, maxElements: 20 }), (e: unknown) => e instanceof DirgateError && e.reason === 'xml-too-many-elements');
  });

  it('keeps text exactly, CDATA included, and resolves namespaces by URI', () => {
    const el = parseXml('<x:a xmlns:x="urn:one"><x:b>  two\n lines &amp; <![CDATA[<raw>]]> </x:b></x:a>');
    assert.deepEqual([el.uri, el.local, el.children[0]!.text], ['urn:one', 'a', '  two\n lines & <raw> ']);
  });

  it('refuses input that is not UTF-8', () => {
    assert.throws(() => parseXml(Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e])), (e: unknown) => e instanceof DirgateError && e.reason === 'xml-bad-encoding');
  });
});
