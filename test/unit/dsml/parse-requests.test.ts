import assert from 'node:assert/strict';
import type { Filter } from '../../../src/directory/model.js';
import { DsmlDocumentError } from '../../../src/dsml/parse.js';
import type { DsmlOperation } from '../../../src/dsml/types.js';
import { batch, DSML, op, parse, parseBatch, search, SOAP11, soap11, soap12, XSI_XSD } from './helpers/documents.js';

function filterOf(xml: string, config = {}): Filter {
  const o = op(search(xml), config);
  assert.equal(o.kind, 'search', o.kind === 'rejected' ? o.error.message : undefined);
  return (o as Extract<DsmlOperation, { kind: 'search' }>).request.filter;
}

function rejection(o: DsmlOperation): { code: string; message: string; answersAs?: string } {
  assert.equal(o.kind, 'rejected');
  const r = o as Extract<DsmlOperation, { kind: 'rejected' }>;
  return { code: r.error.code, message: r.error.message, ...(r.answersAs ? { answersAs: r.answersAs } : {}) };
}

function documentError(xml: string): DsmlDocumentError {
  try {
    parse(xml);
  } catch (err) {
    assert.ok(err instanceof DsmlDocumentError, String(err));
    return err;
  }
  assert.fail('expected the document to be refused');
}

describe('DSML request parsing', () => {
  describe('envelopes', () => {
    const inner = batch(search('<present name="objectClass"/>'), 'requestID="7"');

    it('reads a SOAP 1.1 envelope', () => {
      const doc = parse(soap11(inner));
      assert.equal(doc.soap, '1.1');
      assert.equal(doc.batch.requestID, '7');
      assert.equal(doc.batch.operations[0]!.kind, 'search');
    });

    it('reads a SOAP 1.2 envelope', () => {
      assert.equal(parse(soap12(inner)).soap, '1.2');
    });

    it('reads a bare batchRequest document', () => {
      const doc = parse(`<?xml version="1.0" encoding="UTF-8"?>\n${inner}`);
      assert.equal(doc.soap, undefined);
      assert.equal(doc.batch.operations.length, 1);
    });

    it('takes any prefix for DSML, as the Body default namespace .NET uses or a dsml: prefix', () => {
      const dotnet = `<se:Envelope xmlns:se="${SOAP11}"><se:Body xmlns="${DSML}"><batchRequest ${XSI_XSD}><delRequest dn="cn=x"/></batchRequest></se:Body></se:Envelope>`;
      assert.equal(parse(dotnet).batch.operations[0]!.kind, 'delete');
      const prefixed = soap11(`<d:batchRequest xmlns:d="${DSML}"><d:delRequest dn="cn=x"/></d:batchRequest>`);
      assert.equal(parse(prefixed).batch.operations[0]!.kind, 'delete');
    });

    it('refuses a document that is not XML, not SOAP or not a batchRequest', () => {
      assert.equal(documentError('hello').error.code, 'ERR_MALFORMED_XML');
      assert.equal(documentError('<foo/>').error.code, 'ERR_MALFORMED_REQUEST');
      assert.equal(documentError(soap11('<foo/>')).soap, '1.1');
      assert.equal(documentError(soap12('')).soap, '1.2');
      assert.equal(documentError(soap11(inner + inner)).error.code, 'ERR_MALFORMED_REQUEST');
    });

    it('refuses an envelope with a DTD, as a distinct construct error', () => {
      const err = documentError(`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/hostname">]>${soap11(inner)}`);
      assert.equal(err.error.code, 'ERR_XML_FORBIDDEN_CONSTRUCT');
    });

    it('answers a mandatory header it does not understand with MustUnderstand', () => {
      const err = documentError(soap11(inner, `<x:Tx xmlns:x="urn:other" se:mustUnderstand="1"/>`));
      assert.equal(err.faultKind, 'MustUnderstand');
      assert.deepEqual(err.notUnderstood, { ns: 'urn:other', local: 'Tx' });
    });

    it('ignores optional headers it does not know', () => {
      assert.equal(parse(soap11(inner, '<x:Hint xmlns:x="urn:other"/>')).batch.operations.length, 1);
    });
  });

  describe('Microsoft session headers', () => {
    const inner = batch('');
    const AD = 'urn:schema-microsoft-com:activedirectory:dsmlv2';

    it('reads BeginSession', () => {
      assert.deepEqual(parse(soap11(inner, `<ad:BeginSession xmlns:ad="${AD}" se:mustUnderstand="1"/>`)).session, { kind: 'begin' });
    });

    it('reads Session and EndSession with the SessionID qualified, as .NET writes it, or not', () => {
      assert.deepEqual(parse(soap11(inner, `<ad:Session xmlns:ad="${AD}" ad:SessionID="abc" se:mustUnderstand="1"/>`)).session, { kind: 'continue', sessionId: 'abc' });
      assert.deepEqual(parse(soap11(inner, `<Session xmlns="${AD}" SessionID="abc"/>`)).session, { kind: 'continue', sessionId: 'abc' });
      assert.deepEqual(parse(soap11(inner, `<ad:EndSession xmlns:ad="${AD}" ad:SessionID="abc"/>`)).session, { kind: 'end', sessionId: 'abc' });
    });

    it('refuses two session headers in one request', () => {
      const err = documentError(soap11(inner, `<ad:BeginSession xmlns:ad="${AD}"/><ad:EndSession xmlns:ad="${AD}" ad:SessionID="a"/>`));
      assert.equal(err.error.reason, 'dsml-session-headers');
    });

    it('treats session headers as not understood when sessions are turned off', () => {
      assert.throws(
        () => parse(soap11(inner, `<ad:BeginSession xmlns:ad="${AD}" se:mustUnderstand="1"/>`), { sessions: { enabled: false } }),
        (err: unknown) => err instanceof DsmlDocumentError && err.faultKind === 'MustUnderstand',
      );
    });
  });

  describe('batch attributes', () => {
    it('defaults to sequential processing, sequential order and onError exit', () => {
      const b = parseBatch('');
      assert.deepEqual([b.processing, b.responseOrder, b.onError], ['sequential', 'sequential', 'exit']);
    });

    it('reads processing, responseOrder and onError', () => {
      const b = parseBatch('', 'processing="parallel" responseOrder="unordered" onError="resume"');
      assert.deepEqual([b.processing, b.responseOrder, b.onError], ['parallel', 'unordered', 'resume']);
    });

    it('marks the whole batch invalid for a bad batch attribute, keeping its requestID', () => {
      const b = parseBatch(search('<present name="cn"/>'), 'requestID="r 1" onError="panic"');
      assert.equal(b.requestID, 'r 1');
      assert.equal(b.invalid?.code, 'ERR_MALFORMED_REQUEST');
      assert.match(b.invalid!.message, /onError/);
    });

    it('keeps requestIDs verbatim, white space included', () => {
      const b = parseBatch('<delRequest requestID=" a&amp;b " dn="cn=x"/>', 'requestID="  x  "');
      assert.equal(b.requestID, '  x  ');
      assert.equal(b.operations[0]!.requestID, ' a&b ');
    });

    it('takes an authRequest only as the first element', () => {
      const b = parseBatch('<authRequest principal="dn:uid=bob,ou=people,o=example"/><delRequest dn="cn=x"/>');
      assert.equal(b.authRequest?.principal, 'dn:uid=bob,ou=people,o=example');
      const late = parseBatch('<delRequest dn="cn=x"/><authRequest principal="u:bob"/>');
      assert.equal(late.authRequest, undefined);
      assert.deepEqual(rejection(late.operations[1]!).answersAs, 'auth');
    });

    it('requires a requestID on each request when processing is parallel and the order unordered', () => {
      const b = parseBatch('<delRequest requestID="1" dn="cn=x"/><delRequest dn="cn=y"/>', 'processing="parallel" responseOrder="unordered"');
      assert.equal(b.operations[0]!.kind, 'delete');
      assert.match(rejection(b.operations[1]!).message, /requestID is required/);
    });

    it('refuses a batch with more operations than the limit', () => {
      const b = parseBatch('<delRequest dn="cn=x"/>'.repeat(3), '', { limits: { operationsPerBatch: 2 } });
      assert.equal(b.invalid?.code, 'ERR_LIMIT_EXCEEDED');
      assert.equal(b.operations.length, 0);
    });
  });

  describe('searchRequest', () => {
    it('reads the scope, alias dereferencing, limits, typesOnly and attribute list', () => {
      const o = op(
        '<searchRequest dn="ou=people,o=example" scope="singleLevel" derefAliases="derefFindingBaseObj" sizeLimit="10" timeLimit="5" typesOnly="true">' +
          '<filter><present name="objectClass"/></filter><attributes><attribute name="cn"/><attribute name="*"/><attribute name="1.1"/></attributes></searchRequest>',
      );
      assert.equal(o.kind, 'search');
      const r = (o as Extract<DsmlOperation, { kind: 'search' }>).request;
      assert.deepEqual(
        { baseDN: r.baseDN, scope: r.scope, deref: r.derefAliases, size: r.sizeLimit, time: r.timeLimit, typesOnly: r.typesOnly, attrs: r.attributes },
        { baseDN: 'ou=people,o=example', scope: 'one', deref: 'finding', size: 10, time: 5, typesOnly: true, attrs: ['cn', '*', '1.1'] },
      );
    });

    for (const [scope, model] of [['baseObject', 'base'], ['singleLevel', 'one'], ['wholeSubtree', 'sub']]) {
      it(`maps scope ${scope} to ${model}`, () => {
        const o = op(`<searchRequest dn="" scope="${scope}" derefAliases="derefAlways"><filter><present name="cn"/></filter></searchRequest>`);
        assert.equal((o as Extract<DsmlOperation, { kind: 'search' }>).request.scope, model);
      });
    }

    it('reads the whole filter grammar', () => {
      const f = filterOf(
        '<and><or><equalityMatch name="cn"><value>A</value></equalityMatch><approxMatch name="sn"><value>B</value></approxMatch></or>' +
          '<not><present name="mail"/></not><greaterOrEqual name="age"><value>18</value></greaterOrEqual><lessOrEqual name="age"><value>65</value></lessOrEqual>' +
          '<substrings name="cn"><initial>Al</initial><any>i</any><any>c</any><final>e</final></substrings>' +
          '<extensibleMatch name="ou" matchingRule="2.5.13.5" dnAttributes="true"><value>people</value></extensibleMatch>' +
          '<extensibleMatch matchingRule="caseIgnoreMatch"><value>x</value></extensibleMatch></and>',
      );
      assert.deepEqual(f, {
        type: 'and',
        filters: [
          { type: 'or', filters: [{ type: 'equality', attribute: 'cn', value: 'A' }, { type: 'approx', attribute: 'sn', value: 'B' }] },
          { type: 'not', filter: { type: 'present', attribute: 'mail' } },
          { type: 'greaterOrEqual', attribute: 'age', value: '18' },
          { type: 'lessOrEqual', attribute: 'age', value: '65' },
          { type: 'substrings', attribute: 'cn', initial: 'Al', any: ['i', 'c'], final: 'e' },
          { type: 'extensible', attribute: 'ou', matchingRule: '2.5.13.5', value: 'people', dnAttributes: true },
          { type: 'extensible', matchingRule: 'caseIgnoreMatch', value: 'x', dnAttributes: false },
        ],
      });
    });

    it('reads empty and/or (LDAP absolute true and false)', () => {
      assert.deepEqual(filterOf('<and/>'), { type: 'and', filters: [] });
      assert.deepEqual(filterOf('<or></or>'), { type: 'or', filters: [] });
    });

    const badFilters: Array<[string, string, RegExp]> = [
      ['an unknown filter element', '<like name="cn"><value>x</value></like>', /unknown filter element <like>/],
      ['a not with two filters', '<not><present name="a"/><present name="b"/></not>', /<not> takes exactly one filter/],
      ['an equalityMatch without a value', '<equalityMatch name="cn"/>', /needs a <value>/],
      ['an equalityMatch with two values', '<equalityMatch name="cn"><value>a</value><value>b</value></equalityMatch>', /exactly one <value>/],
      ['an attribute name that is not one', '<present name="c n"/>', /is not an attribute description/],
      ['substrings without any part', '<substrings name="cn"/>', /at least one of initial, any or final/],
      ['substrings out of order', '<substrings name="cn"><final>a</final><initial>b</initial></substrings>', /in that order/],
      ['an extensibleMatch without name or rule', '<extensibleMatch><value>x</value></extensibleMatch>', /needs a name or a matchingRule/],
      ['bad base64 in a value', '<equalityMatch name="cn"><value xsi:type="xsd:base64Binary">@@@</value></equalityMatch>', /invalid base64/],
      ['an unknown xsi:type', '<equalityMatch name="cn"><value xsi:type="xsd:int">1</value></equalityMatch>', /unsupported xsi:type/],
    ];
    for (const [what, xml, message] of badFilters) {
      it(`rejects ${what} as that operation's malformedRequest`, () => {
        const r = rejection(op(search(xml)));
        assert.equal(r.code, 'ERR_MALFORMED_REQUEST');
        assert.equal(r.answersAs, 'search');
        assert.match(r.message, message);
      });
    }

    it('refuses a filter nested deeper than the limit with ERR_LIMIT_EXCEEDED', () => {
      const nest = (n: number): string => '<not>'.repeat(n) + '<present name="cn"/>' + '</not>'.repeat(n);
      assert.equal(op(search(nest(4)), { limits: { filterDepth: 4 } }).kind, 'search');
      assert.equal(rejection(op(search(nest(5)), { limits: { filterDepth: 4 } })).code, 'ERR_LIMIT_EXCEEDED');
    });

    const badSearches: Array<[string, string, RegExp]> = [
      ['a bad scope', '<searchRequest dn="" scope="everything" derefAliases="derefAlways"><filter><present name="cn"/></filter></searchRequest>', /scope on <searchRequest> must be one of/],
      ['a missing derefAliases', '<searchRequest dn="" scope="baseObject"><filter><present name="cn"/></filter></searchRequest>', /needs the attribute derefAliases/],
      ['a negative sizeLimit', search('<present name="cn"/>', ' sizeLimit="-1"'), /sizeLimit/],
      ['a missing filter', '<searchRequest dn="" scope="baseObject" derefAliases="derefAlways"/>', /needs a <filter>/],
      ['a typesOnly that is not a boolean', search('<present name="cn"/>', ' typesOnly="yes"'), /typesOnly/],
      ['an unexpected child', '<searchRequest dn="" scope="baseObject" derefAliases="derefAlways"><filter><present name="cn"/></filter><sort/></searchRequest>', /unexpected element <sort>/],
    ];
    for (const [what, xml, message] of badSearches) {
      it(`rejects ${what}`, () => assert.match(rejection(op(xml)).message, message));
    }
  });

  describe('values', () => {
    const valueOf = (xml: string, config = {}): unknown => (filterOf(`<equalityMatch name="cn">${xml}</equalityMatch>`, config) as { value: unknown }).value;

    it('keeps string values exactly, white space and line breaks included', () => {
      assert.equal(valueOf('<value>  spaced\tvalue  </value>'), '  spaced\tvalue  ');
      assert.equal(valueOf('<value xsi:type="xsd:string"> </value>'), ' ');
      assert.equal(valueOf('<value xml:space="preserve"> lead</value>'), ' lead');
      assert.equal(valueOf('<value>a&#13;&#10;b</value>'), 'a\r\nb');
    });

    it('decodes base64Binary to bytes, ignoring white space inside it', () => {
      assert.deepEqual(valueOf('<value xsi:type="xsd:base64Binary">/9j/\n  4AAQ</value>'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]));
    });

    it('resolves the xsi:type prefix through its namespace binding, whatever the prefix', () => {
      const xml = `<equalityMatch name="cn"><value xmlns:s="http://www.w3.org/2001/XMLSchema" xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:type="s:base64Binary">AQI=</value></equalityMatch>`;
      assert.deepEqual((filterOf(xml) as { value: unknown }).value, Buffer.from([1, 2]));
    });

    it('refuses anyURI values by default with unresolvableURI, never fetching them', () => {
      const r = rejection(op(search('<equalityMatch name="cn"><value xsi:type="xsd:anyURI">http://169.254.169.254/latest/meta-data</value></equalityMatch>')));
      assert.equal(r.code, 'ERR_UNRESOLVABLE_URI');
    });

    it('takes a data: URI as its bytes and another allowed scheme as the URI text, when configured', () => {
      const config = { anyUriSchemes: ['data', 'ldap'] };
      assert.deepEqual(valueOf('<value xsi:type="xsd:anyURI">data:application/octet-stream;base64,AQID</value>', config), Buffer.from([1, 2, 3]));
      assert.deepEqual(valueOf('<value xsi:type="xsd:anyURI">data:,a%20b</value>', config), Buffer.from('a b'));
      assert.equal(valueOf('<value xsi:type="xsd:anyURI">ldap://x/o=y</value>', config), 'ldap://x/o=y');
      assert.equal(rejection(op(search('<equalityMatch name="cn"><value xsi:type="xsd:anyURI">file:///etc/passwd</value></equalityMatch>'), config)).code, 'ERR_UNRESOLVABLE_URI');
    });
  });

  describe('write requests', () => {
    it('reads an addRequest with string and binary values', () => {
      const o = op('<addRequest dn="uid=dave,ou=people,o=example"><attr name="objectClass"><value>top</value><value>person</value></attr><attr name="jpegPhoto"><value xsi:type="xsd:base64Binary">AAE=</value></attr></addRequest>');
      assert.deepEqual(o, {
        kind: 'add', requestID: undefined,
        request: { dn: 'uid=dave,ou=people,o=example', controls: [], attributes: [{ type: 'objectClass', values: ['top', 'person'] }, { type: 'jpegPhoto', values: [Buffer.from([0, 1])] }] },
      });
    });

    it('refuses more values per attribute than the limit', () => {
      const r = rejection(op(`<addRequest dn="cn=x"><attr name="member">${'<value>m</value>'.repeat(3)}</attr></addRequest>`, { limits: { valuesPerAttribute: 2 } }));
      assert.equal(r.code, 'ERR_LIMIT_EXCEEDED');
    });

    it('reads a modifyRequest with each operation, a value-less delete included', () => {
      const o = op('<modifyRequest dn="uid=bob,ou=people,o=example"><modification name="mail" operation="add"><value>b@x</value></modification><modification name="telephoneNumber" operation="delete"/><modification name="cn" operation="replace"><value>Bob</value></modification></modifyRequest>');
      assert.equal(o.kind, 'modify');
      assert.deepEqual((o as Extract<DsmlOperation, { kind: 'modify' }>).request.changes, [
        { operation: 'add', attribute: { type: 'mail', values: ['b@x'] } },
        { operation: 'delete', attribute: { type: 'telephoneNumber', values: [] } },
        { operation: 'replace', attribute: { type: 'cn', values: ['Bob'] } },
      ]);
    });

    it('rejects a modification with an unknown operation', () => {
      assert.match(rejection(op('<modifyRequest dn="cn=x"><modification name="cn" operation="increment"/></modifyRequest>')).message, /operation/);
    });

    it('reads delRequest and modDNRequest (deleteoldrdn defaults to true)', () => {
      assert.deepEqual(op('<delRequest dn="cn=x,o=example"/>'), { kind: 'delete', requestID: undefined, request: { dn: 'cn=x,o=example', controls: [] } });
      assert.deepEqual((op('<modDNRequest dn="cn=x,o=example" newrdn="cn=y"/>') as Extract<DsmlOperation, { kind: 'modifyDN' }>).request,
        { dn: 'cn=x,o=example', newRDN: 'cn=y', deleteOldRDN: true, controls: [] });
      assert.deepEqual((op('<modDNRequest dn="cn=x,o=example" newrdn="cn=y" deleteoldrdn="false" newSuperior="ou=z,o=example"/>') as Extract<DsmlOperation, { kind: 'modifyDN' }>).request,
        { dn: 'cn=x,o=example', newRDN: 'cn=y', deleteOldRDN: false, newSuperior: 'ou=z,o=example', controls: [] });
    });

    it('reads a compareRequest', () => {
      assert.deepEqual((op('<compareRequest dn="cn=x"><assertion name="cn"><value>x</value></assertion></compareRequest>') as Extract<DsmlOperation, { kind: 'compare' }>).request,
        { dn: 'cn=x', attribute: 'cn', value: 'x', controls: [] });
      assert.match(rejection(op('<compareRequest dn="cn=x"/>')).message, /exactly one <assertion>/);
    });

    it('reads an extendedRequest with and without a value', () => {
      assert.deepEqual((op('<extendedRequest><requestName>1.3.6.1.4.1.4203.1.11.3</requestName></extendedRequest>') as Extract<DsmlOperation, { kind: 'extended' }>).request,
        { oid: '1.3.6.1.4.1.4203.1.11.3', controls: [] });
      assert.deepEqual((op('<extendedRequest><requestName>1.3.6.1.4.1.1466.20037</requestName><requestValue xsi:type="xsd:base64Binary">AQ==</requestValue></extendedRequest>') as Extract<DsmlOperation, { kind: 'extended' }>).request,
        { oid: '1.3.6.1.4.1.1466.20037', value: Buffer.from([1]), controls: [] });
      assert.match(rejection(op('<extendedRequest><requestName>whoami</requestName></extendedRequest>')).message, /not a numeric OID/);
    });

    it('reads an abandonRequest', () => {
      assert.deepEqual(op('<abandonRequest requestID="9" abandonID="3"/>'), { kind: 'abandon', requestID: '9', abandonID: '3', controls: [] });
    });
  });

  describe('controls', () => {
    it('reads controls on any request: type, criticality and a base64 value', () => {
      const o = op('<delRequest dn="cn=x"><control type="1.2.840.113556.1.4.805" criticality="true"/><control type="1.2.840.113556.1.4.319"><controlValue xsi:type="xsd:base64Binary">MAUCAQoEAA==</controlValue></control></delRequest>');
      assert.deepEqual((o as Extract<DsmlOperation, { kind: 'delete' }>).request.controls, [
        { type: '1.2.840.113556.1.4.805', criticality: true },
        { type: '1.2.840.113556.1.4.319', criticality: false, value: Buffer.from('MAUCAQoEAA==', 'base64') },
      ]);
    });

    it('takes an untyped controlValue as UTF-8 text bytes', () => {
      const o = op(search('<present name="cn"/>').replace('<filter>', '<control type="1.2.3"><controlValue>abc</controlValue></control><filter>'));
      assert.deepEqual((o as Extract<DsmlOperation, { kind: 'search' }>).request.controls[0]!.value, Buffer.from('abc'));
    });

    it('rejects a control whose type is not a numeric OID', () => {
      assert.match(rejection(op('<delRequest dn="cn=x"><control type="paged"/></delRequest>')).message, /not a numeric OID/);
    });
  });

  describe('one bad operation does not spoil the others', () => {
    it('rejects an unknown element and keeps reading the batch', () => {
      const b = parseBatch('<delRequest requestID="1" dn="cn=a"/><frobRequest requestID="2"/><x:delRequest xmlns:x="urn:other" requestID="3"/><delRequest requestID="4" dn="cn=b"/>');
      assert.deepEqual(b.operations.map((o) => [o.kind, o.requestID]), [['delete', '1'], ['rejected', '2'], ['rejected', '3'], ['delete', '4']]);
      assert.match(rejection(b.operations[1]!).message, /unknown request element <frobRequest>/);
      assert.match(rejection(b.operations[2]!).message, /namespace "urn:other"/);
    });
  });
});
