import assert from 'node:assert/strict';
import { DirgateError } from '../../../src/errors.js';
import { decodeBody } from '../../../src/dsml/xml/decode.js';
import { parseXml } from '../../../src/dsml/xml/scanner.js';

const LIMITS = { maxDepth: 32, maxElements: 1000 };
const scan = (xml: string, limits = LIMITS) => parseXml(xml, limits);

function refused(xml: string, code: string, reason?: string): void {
  assert.throws(() => scan(xml), (err: unknown) => {
    assert.ok(err instanceof DirgateError, String(err));
    assert.equal(err.code, code);
    if (reason) assert.equal(err.reason, reason);
    return true;
  });
}

describe('DSML XML scanner', () => {
  describe('refuses DTDs and entities without expanding anything', () => {
    it('refuses an external entity (XXE) at the DOCTYPE, before any reference is read', () => {
      refused('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', 'ERR_XML_FORBIDDEN_CONSTRUCT', 'xml-doctype');
    });

    it('refuses the billion laughs document at its DOCTYPE', () => {
      const laughs = ['<!ENTITY lol "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`)].join('');
      refused(`<!DOCTYPE lolz [${laughs}]><lolz>&lol9;</lolz>`, 'ERR_XML_FORBIDDEN_CONSTRUCT', 'xml-doctype');
    });

    it('refuses a DOCTYPE even without an internal subset', () => {
      refused('<!DOCTYPE batchRequest SYSTEM "http://attacker.example/x.dtd"><batchRequest/>', 'ERR_XML_FORBIDDEN_CONSTRUCT');
    });

    it('refuses markup declarations inside the document', () => {
      refused('<r><!ENTITY x "y"></r>', 'ERR_XML_FORBIDDEN_CONSTRUCT', 'xml-declaration');
    });

    it('refuses a reference to an entity other than the predefined five', () => {
      refused('<r>&nbsp;</r>', 'ERR_XML_FORBIDDEN_CONSTRUCT', 'xml-entity-reference');
      refused('<r a="&ext;"/>', 'ERR_XML_FORBIDDEN_CONSTRUCT', 'xml-entity-reference');
    });

    it('decodes the five predefined entities and numeric character references', () => {
      const el = scan('<r a="&lt;&amp;&quot;&apos;&gt;">&lt;a&gt; &amp; &#65;&#x1F600;&quot;&apos;</r>');
      assert.equal(el.attrs[0]!.value, `<&"'>`);
      assert.equal(el.text, `<a> & A\u{1F600}"'`);
    });

    it('refuses character references to characters XML does not allow', () => {
      refused('<r>&#0;</r>', 'ERR_MALFORMED_XML');
      refused('<r>&#x1;</r>', 'ERR_MALFORMED_XML');
      refused('<r>&#xD800;</r>', 'ERR_MALFORMED_XML');
    });
  });

  describe('keeps character data exactly', () => {
    it('never trims text and keeps inner white space', () => {
      assert.equal(scan('<v>  two  spaces\tand a tab  </v>').text, '  two  spaces\tand a tab  ');
    });

    it('keeps a white-space-only value', () => {
      assert.equal(scan('<v>   </v>').text, '   ');
    });

    it('normalises line ends as XML requires, but keeps a carriage return written as a reference', () => {
      assert.equal(scan('<v>a\r\nb\rc&#13;d</v>').text, 'a\nb\nc\rd');
    });

    it('joins text around CDATA sections and comments, CDATA taken literally', () => {
      assert.equal(scan('<v>a<![CDATA[<&amp;>]]>b<!-- c -->d</v>').text, 'a<&amp;>bd');
    });

    it('normalises attribute values (tab and newline to space) except where written as references', () => {
      assert.equal(scan('<r a="x\ty\nz&#9;&#10;"/>').attrs[0]!.value, 'x y z\t\n');
    });
  });

  describe('resolves namespaces', () => {
    it('binds prefixes and the default namespace, innermost first', () => {
      const root = scan('<a:r xmlns:a="urn:a" xmlns="urn:d"><x/><a:y xmlns:a="urn:b"/><z xmlns=""/></a:r>');
      assert.equal(root.ns, 'urn:a');
      assert.deepEqual(root.children.map((c) => [c.local, c.ns]), [['x', 'urn:d'], ['y', 'urn:b'], ['z', '']]);
    });

    it('resolves prefixed attributes and leaves unprefixed ones in no namespace', () => {
      const root = scan('<r xmlns="urn:d" xmlns:p="urn:p" a="1" p:b="2"/>');
      assert.deepEqual(root.attrs.map((a) => [a.local, a.ns, a.value]), [['a', '', '1'], ['b', 'urn:p', '2']]);
    });

    it('refuses undeclared prefixes', () => {
      refused('<p:r/>', 'ERR_MALFORMED_XML');
      refused('<r p:a="1"/>', 'ERR_MALFORMED_XML');
    });

    it('refuses the same expanded attribute name twice', () => {
      refused('<r xmlns:a="urn:x" xmlns:b="urn:x" a:n="1" b:n="2"/>', 'ERR_MALFORMED_XML');
      refused('<r n="1" n="2"/>', 'ERR_MALFORMED_XML');
    });
  });

  describe('refuses what is not well-formed', () => {
    const bad: Array<[string, string]> = [
      ['', 'an empty document'],
      ['not xml at all', 'plain text'],
      ['<r>', 'an unclosed element'],
      ['<r></s>', 'a mismatched end tag'],
      ['<r/><s/>', 'two document elements'],
      ['<r a=1/>', 'an unquoted attribute'],
      ['<r a="<"/>', "a '<' in an attribute"],
      ['<r>a & b</r>', 'a bare ampersand'],
      ['<r><!-- a -- b --></r>', "'--' in a comment"],
      ['<r>\u0001</r>', 'a control character'],
      ['<r/>trailing', 'text after the document element'],
      ['<r><?xml version="1.0"?></r>', 'a late XML declaration'],
      ['<1r/>', 'an invalid element name'],
    ];
    for (const [xml, what] of bad) {
      it(`refuses ${what}`, () => refused(xml, 'ERR_MALFORMED_XML'));
    }
  });

  describe('limits', () => {
    it('refuses nesting deeper than the limit', () => {
      const deep = '<a>'.repeat(5) + '</a>'.repeat(5);
      assert.doesNotThrow(() => scan(deep, { maxDepth: 5, maxElements: 100 }));
      assert.throws(() => scan(deep, { maxDepth: 4, maxElements: 100 }), (e: unknown) => e instanceof DirgateError && e.code === 'ERR_LIMIT_EXCEEDED' && e.reason === 'dsml-too-deep');
    });

    it('refuses more elements than the limit', () => {
      const many = `<r>${'<e/>'.repeat(10)}</r>`;
      assert.doesNotThrow(() => scan(many, { maxDepth: 5, maxElements: 11 }));
      assert.throws(() => scan(many, { maxDepth: 5, maxElements: 10 }), (e: unknown) => e instanceof DirgateError && e.reason === 'dsml-too-many-elements');
    });
  });

  describe('character encodings', () => {
    it('reads UTF-8, with or without a byte-order mark', () => {
      assert.equal(decodeBody(Buffer.from('<r>é</r>')), '<r>é</r>');
      assert.equal(decodeBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<r>é</r>')])), '<r>é</r>');
    });

    it('reads UTF-16 with a byte-order mark', () => {
      assert.equal(decodeBody(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<r>é</r>', 'utf16le')])), '<r>é</r>');
    });

    it('follows the Content-Type charset, then the XML declaration', () => {
      assert.equal(decodeBody(Buffer.from('<r>\xe9</r>', 'latin1'), 'text/xml; charset=ISO-8859-1'), '<r>é</r>');
      assert.equal(decodeBody(Buffer.from('<?xml version="1.0" encoding="iso-8859-1"?><r>\xe9</r>', 'latin1')).endsWith('<r>é</r>'), true);
    });

    it('refuses bytes that are not valid UTF-8', () => {
      assert.throws(() => decodeBody(Buffer.from([0x3c, 0x72, 0x3e, 0xc3, 0x28, 0x3c, 0x2f, 0x72, 0x3e])), (e: unknown) => e instanceof DirgateError && e.code === 'ERR_MALFORMED_XML');
    });

    it('refuses encodings it does not support', () => {
      assert.throws(() => decodeBody(Buffer.from('<r/>'), 'text/xml; charset=shift_jis'), (e: unknown) => e instanceof DirgateError && e.reason === 'xml-encoding-unsupported');
    });
  });
});
