import assert from 'node:assert/strict';
import { resultDescr } from '../../../src/dsml/results.js';
import { BatchResponseWriter, serializeBatchResponse, valueXml } from '../../../src/dsml/serialize.js';
import { soapFault } from '../../../src/dsml/soap.js';
import type { DsmlResponse } from '../../../src/dsml/types.js';
import { escapeAttr, escapeDn, escapeText } from '../../../src/dsml/xml/escape.js';
import { attrOf, batchResponseOf, child, names, readXml } from './helpers/documents.js';

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

/** The value written for `v`, read back the way a client reads it. */
function roundTrip(v: string | Buffer): { type?: string; text: string } {
  const el = readXml(`<attr xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="${XSI}">${valueXml(v)}</attr>`).children[0]!;
  const type = el.attrs.find((a) => a.local === 'type' && a.ns === XSI)?.value;
  return { ...(type ? { type } : {}), text: el.text };
}

function decoded(v: string | Buffer): Buffer {
  const r = roundTrip(v);
  return r.type === 'xsd:base64Binary' ? Buffer.from(r.text, 'base64') : Buffer.from(r.text, 'utf8');
}

describe('DSML response serialization', () => {
  describe('values', () => {
    it('writes ordinary text as it is', () => {
      assert.equal(valueXml('Alice Smith'), '<value>Alice Smith</value>');
    });

    it('escapes markup characters in text', () => {
      assert.equal(valueXml('a<b & c>d'), '<value>a&lt;b &amp; c&gt;d</value>');
      assert.deepEqual(roundTrip('x]]>y'), { text: 'x]]>y' });
    });

    it('keeps a carriage return through the parser as a character reference', () => {
      assert.equal(valueXml('a\r\nb'), '<value>a&#13;\nb</value>');
      assert.deepEqual(roundTrip('a\r\nb'), { text: 'a\r\nb' });
    });

    it('writes binary values as xsd:base64Binary, byte for byte', () => {
      const bytes = Buffer.from([0xff, 0xd8, 0x00, 0x80, 0xfe]);
      assert.deepEqual(roundTrip(bytes), { type: 'xsd:base64Binary', text: bytes.toString('base64') });
    });

    it('writes a plain Uint8Array as base64 too', () => {
      const bytes = new Uint8Array([1, 2, 3]);
      assert.equal(valueXml(bytes as Buffer), '<value xsi:type="xsd:base64Binary">AQID</value>');
    });

    it('sends text XML 1.0 cannot carry as base64 of its UTF-8 bytes', () => {
      for (const v of ['bell\u0007', 'nul\u0000x', 'form\u000cfeed', 'bad\uffff']) {
        assert.equal(roundTrip(v).type, 'xsd:base64Binary', JSON.stringify(v));
        assert.deepEqual(decoded(v), Buffer.from(v, 'utf8'));
      }
    });

    it('sends leading or trailing white space, and white-space-only values, as base64 so no client trims them', () => {
      for (const v of [' lead', 'trail ', '   ', '\ttab', 'nl\n']) {
        assert.equal(roundTrip(v).type, 'xsd:base64Binary', JSON.stringify(v));
        assert.equal(decoded(v).toString('utf8'), v);
      }
      assert.deepEqual(roundTrip('inner  spaces'), { text: 'inner  spaces' });
    });

    it('keeps non-ASCII text and characters beyond the BMP as text', () => {
      assert.deepEqual(roundTrip('Zoë 😀 日本'), { text: 'Zoë 😀 日本' });
    });

    it('writes an empty string as an empty value', () => {
      assert.equal(valueXml(''), '<value></value>');
    });
  });

  describe('escaping', () => {
    it('escapes attribute values so normalisation keeps tabs and newlines', () => {
      assert.equal(escapeAttr('a"b<c&d\te\nf\rg'), 'a&quot;b&lt;c&amp;d&#9;e&#10;f&#13;g');
      const el = readXml(`<r a="${escapeAttr('x\ty\nz"')}"/>`);
      assert.equal(el.attrs[0]!.value, 'x\ty\nz"');
    });

    it('replaces characters XML cannot carry in messages', () => {
      assert.equal(escapeText('bad\u0001char'), 'bad\uFFFDchar');
      assert.equal(escapeText('lone \uD800 surrogate'), 'lone \uFFFD surrogate');
    });

    it('writes such characters in a DN the RFC 4514 way', () => {
      assert.equal(escapeDn('cn=a\u0001b,o=x'), 'cn=a\\01b,o=x');
    });
  });

  describe('result codes', () => {
    it('uses the schema spelling of each result name', () => {
      assert.equal(resultDescr(0), 'success');
      assert.equal(resultDescr(8), 'strongAuthRequired');
      assert.equal(resultDescr(36), 'aliasDerefencingProblem');
      assert.equal(resultDescr(71), 'affectMultipleDSAs');
    });

    it('leaves descr out for codes the schema has no name for', () => {
      assert.equal(resultDescr(118), undefined);
      const xml = serializeBatchResponse({ responses: [{ kind: 'delete', result: { resultCode: 118 } }] });
      assert.equal(attrOf(child(batchResponseOf(xml).children[0]!, 'resultCode'), 'descr'), undefined);
    });
  });

  describe('structure', () => {
    const responses: DsmlResponse[] = [
      { kind: 'auth', requestID: 'a', result: { resultCode: 0 } },
      {
        kind: 'search', requestID: 's',
        entries: [{ entry: { dn: 'uid=a,o=x', attributes: [{ type: 'cn', values: ['A'] }, { type: 'photo', values: [Buffer.from([1])] }] }, controls: [{ type: '1.2.3', criticality: true }] }],
        references: [['ldap://r1/o=x', 'ldap://r2/o=x']],
        done: { resultCode: 4, errorMessage: 'size limit exceeded', controls: [{ type: '1.2.840.113556.1.4.319', criticality: false, value: Buffer.from([0x30, 0]) }] },
      },
      { kind: 'modify', requestID: 'm', result: { resultCode: 32, matchedDN: 'o=x', errorMessage: 'no such object', referrals: ['ldap://elsewhere/o=x'] } },
      { kind: 'add', result: { resultCode: 0 } },
      { kind: 'delete', result: { resultCode: 0 } },
      { kind: 'modifyDN', result: { resultCode: 0 } },
      { kind: 'compare', result: { resultCode: 6 } },
      { kind: 'extended', requestID: 'x', result: { resultCode: 0 }, responseName: '1.3.6.1.4.1.4203.1.11.3', response: Buffer.from('dn:uid=a') },
      { kind: 'error', requestID: 'e', type: 'malformedRequest', message: 'bad <thing>' },
    ];

    it('names each response element as dsmlv2.xsd does, in request order', () => {
      const br = batchResponseOf(serializeBatchResponse({ requestID: 'B', responses }));
      assert.equal(attrOf(br, 'requestID'), 'B');
      assert.deepEqual(names(br), ['authResponse', 'searchResponse', 'modifyResponse', 'addResponse', 'delResponse', 'modDNResponse', 'compareResponse', 'extendedResponse', 'errorResponse']);
    });

    it('orders a searchResponse: entries, then references, then the done result, each with the requestID', () => {
      const sr = batchResponseOf(serializeBatchResponse({ responses })).children[1]!;
      assert.deepEqual(names(sr), ['searchResultEntry', 'searchResultReference', 'searchResultDone']);
      assert.deepEqual(sr.children.map((c) => attrOf(c, 'requestID')), ['s', 's', 's']);
      const entry = sr.children[0]!;
      assert.deepEqual(names(entry), ['control', 'attr', 'attr']);
      assert.equal(attrOf(entry.children[0]!, 'criticality'), 'true');
      assert.deepEqual(names(sr.children[1]!), ['ref', 'ref']);
      assert.deepEqual(names(sr.children[2]!), ['control', 'resultCode', 'errorMessage']);
    });

    it('orders an LDAP result: controls, resultCode, errorMessage, referrals; matchedDN as an attribute', () => {
      const m = batchResponseOf(serializeBatchResponse({ responses })).children[2]!;
      assert.deepEqual(names(m), ['resultCode', 'errorMessage', 'referral']);
      assert.equal(attrOf(m, 'matchedDN'), 'o=x');
      assert.deepEqual([attrOf(m.children[0]!, 'code'), attrOf(m.children[0]!, 'descr')], ['32', 'noSuchObject']);
    });

    it('writes the extended response name and value after the result', () => {
      const x = batchResponseOf(serializeBatchResponse({ responses })).children[7]!;
      assert.deepEqual(names(x), ['resultCode', 'responseName', 'response']);
      assert.equal(Buffer.from(x.children[2]!.text, 'base64').toString(), 'dn:uid=a');
    });

    it('writes an errorResponse with its type and escaped message', () => {
      const e = batchResponseOf(serializeBatchResponse({ responses })).children[8]!;
      assert.equal(attrOf(e, 'type'), 'malformedRequest');
      assert.equal(child(e, 'message').text, 'bad <thing>');
    });

    it('leaves out controls whose type is not a numeric OID', () => {
      const xml = serializeBatchResponse({ responses: [{ kind: 'delete', result: { resultCode: 0, controls: [{ type: 'not-an-oid', criticality: false }] } }] });
      assert.deepEqual(names(batchResponseOf(xml).children[0]!), ['resultCode']);
    });

    it('binds xsd and xsi with exactly those prefixes on the batchResponse', () => {
      const xml = serializeBatchResponse({ responses: [] });
      assert.match(xml, /<batchResponse xmlns="urn:oasis:names:tc:DSML:2:0:core" xmlns:xsd="http:\/\/www\.w3\.org\/2001\/XMLSchema" xmlns:xsi="http:\/\/www\.w3\.org\/2001\/XMLSchema-instance">/);
    });
  });

  describe('envelopes', () => {
    it('wraps in SOAP 1.1, SOAP 1.2 or nothing', () => {
      assert.equal(readXml(serializeBatchResponse({ responses: [] }, { soap: '1.1' })).ns, 'http://schemas.xmlsoap.org/soap/envelope/');
      assert.equal(readXml(serializeBatchResponse({ responses: [] }, { soap: '1.2' })).ns, 'http://www.w3.org/2003/05/soap-envelope');
      assert.equal(readXml(serializeBatchResponse({ responses: [] })).local, 'batchResponse');
    });

    it('answers a session with a Session header carrying the qualified SessionID', () => {
      const env = readXml(serializeBatchResponse({ responses: [] }, { soap: '1.1', sessionId: 's-1' }));
      const session = child(child(env, 'Header'), 'Session');
      assert.equal(session.ns, 'urn:schema-microsoft-com:activedirectory:dsmlv2');
      assert.deepEqual(session.attrs.map((a) => [a.ns, a.local, a.value]), [['urn:schema-microsoft-com:activedirectory:dsmlv2', 'SessionID', 's-1']]);
      assert.deepEqual(names(env), ['Header', 'Body']);
    });

    it('streams the same document as the model serializer writes', () => {
      const w = new BatchResponseWriter({ soap: '1.2' }, 'r');
      w.searchEntry('1', { entry: { dn: 'cn=a', attributes: [] } });
      w.searchReference('1', ['ldap://x']);
      w.searchEntry('1', { entry: { dn: 'cn=b', attributes: [] } });
      w.searchDone('1', { resultCode: 0 });
      w.response({ kind: 'delete', requestID: '2', result: { resultCode: 0 } });
      const streamed = w.take() + w.end();
      const model = serializeBatchResponse({
        requestID: 'r',
        responses: [
          { kind: 'search', requestID: '1', entries: [{ entry: { dn: 'cn=a', attributes: [] } }, { entry: { dn: 'cn=b', attributes: [] } }], references: [['ldap://x']], done: { resultCode: 0 } },
          { kind: 'delete', requestID: '2', result: { resultCode: 0 } },
        ],
      }, { soap: '1.2' });
      assert.equal(streamed, model);
    });
  });

  describe('SOAP Faults', () => {
    it('writes a SOAP 1.1 fault with faultcode and faultstring only', () => {
      const f = soapFault('1.1', 'Client', 'the request is not <XML>', 400);
      assert.equal(f.status, 400);
      assert.equal(f.contentType, 'text/xml; charset=utf-8');
      const fault = child(child(readXml(f.body), 'Body'), 'Fault');
      assert.deepEqual(names(fault), ['faultcode', 'faultstring']);
      assert.equal(fault.children[0]!.text, 'soap:Client');
      assert.equal(fault.children[1]!.text, 'the request is not <XML>');
    });

    it('writes a SOAP 1.2 fault with Code/Value and Reason/Text', () => {
      const f = soapFault('1.2', 'Client', 'bad', 400);
      assert.equal(f.contentType, 'application/soap+xml; charset=utf-8');
      const fault = child(child(readXml(f.body), 'Body'), 'Fault');
      assert.deepEqual(names(fault), ['Code', 'Reason']);
      assert.equal(child(child(fault, 'Code'), 'Value').text, 'env:Sender');
    });

    it('names the header not understood in a SOAP 1.2 MustUnderstand fault', () => {
      const env = readXml(soapFault('1.2', 'MustUnderstand', 'not understood', 400, { ns: 'urn:x', local: 'Tx' }).body);
      const nu = child(child(env, 'Header'), 'NotUnderstood');
      assert.equal(attrOf(nu, 'qname'), 'h:Tx');
    });
  });
});
