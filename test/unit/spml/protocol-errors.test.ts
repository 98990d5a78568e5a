import assert from 'node:assert/strict';
import { spmlOnSlapd } from './helpers/on-slapd.js';
import { attr, createHarness, envelope, find, NAMESPACES, one, responseElement, statusOf, testSpmlConfig, withNamespaces, type Harness } from './helpers/harness.js';
import { getAttribute } from '../../../src/directory/model.js';
import { parseXml } from '../../../src/spml/xml.js';
import { renderResponse } from '../../../src/spml/serialize.js';

describe('SPML request parsing, refusals and authorization', function () {
  this.timeout(20000);
  const ldap = spmlOnSlapd();
  let h: Harness;

  beforeEach(() => {
    h = createHarness(ldap.directory);
  });

  const fault = async (body: string) => {
    const res = await h.send(body);
    const el = responseElement(res.body);
    assert.equal(el.local, 'Fault', res.body);
    return { status: res.status, code: el.children.find((c) => c.local === 'faultcode')!.text, text: el.children.find((c) => c.local === 'faultstring')!.text };
  };

  it('answers a DOCTYPE, an undefined entity and broken XML with HTTP 400 and a SOAP Fault', async () => {
    const doctype = await fault(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>${envelope('').replace(/^<\?xml[^>]*\?>/, '')}`);
    assert.deepEqual([doctype.status, doctype.code], [400, 'soap:Client']);
    assert.match(doctype.text, /DOCTYPE/);
    const entity = await fault(envelope(withNamespaces('<spml:lookupRequest><spml:psoID ID="&xxe;"/></spml:lookupRequest>')));
    assert.equal(entity.status, 400);
    const broken = await fault(envelope('<spml:lookupRequest>'));
    assert.equal(broken.status, 400);
    assert.match(broken.text, /well-formed/);
  });

  it('answers what is not a SOAP request for SPML with a Fault', async () => {
    assert.equal((await fault('<html/>')).status, 400);
    assert.match((await fault(envelope(''))).text, /exactly one SPML request/);
    assert.match((await fault(envelope(withNamespaces('<spml:fooRequest/>')))).text, /not an SPMLv2 request/);
    assert.match((await fault(envelope('<other xmlns="urn:x"/>'))).text, /not an SPMLv2 request/);
  });

  it('answers a header it must understand and does not with a MustUnderstand fault', async () => {
    const body = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header><x:sec xmlns:x="urn:x" soap:mustUnderstand="1"/></soap:Header><soap:Body><spml:listTargetsRequest xmlns:spml="urn:oasis:names:tc:SPML:2:0"/></soap:Body></soap:Envelope>`;
    const f = await fault(body);
    assert.deepEqual([f.status, f.code], [500, 'soap:MustUnderstand']);
  });

  it('answers a bare request bare', async () => {
    const res = await h.send(`<spml:listTargetsRequest ${NAMESPACES}/>`);
    assert.equal(res.status, 200);
    assert.equal(res.contentType, 'text/xml; charset=utf-8');
    assert.equal(parseXml(res.body).local, 'listTargetsResponse');
  });

  it('answers malformed SPML in kind, with malformedRequest and a message', async () => {
    const cases: Array<[string, string]> = [
      ['<spml:addRequest targetID="people"/>', 'addResponse'],
      ['<spml:lookupRequest returnData="all"><spml:psoID ID="x=y"/></spml:lookupRequest>', 'lookupResponse'],
      ['<spml:modifyRequest><spml:psoID ID="uid=bob,ou=people,o=example"/></spml:modifyRequest>', 'modifyResponse'],
      ['<spml:modifyRequest><spml:psoID ID="uid=bob,ou=people,o=example"/><spml:modification><dsml:modification name="cn" operation="increment"/></spml:modification></spml:modifyRequest>', 'modifyResponse'],
      ['<spml:modifyRequest><spml:psoID ID="uid=bob,ou=people,o=example"/><spml:modification><spml:data><dsml:attr name="cn"><dsml:value>x</dsml:value></dsml:attr></spml:data></spml:modification></spml:modifyRequest>', 'modifyResponse'],
      ['<spml:deleteRequest recursive="maybe"><spml:psoID ID="uid=bob,ou=people,o=example"/></spml:deleteRequest>', 'deleteResponse'],
      ['<spml:deleteRequest/>', 'deleteResponse'],
      ['<spmlsearch:searchRequest maxSelect="0"/>', 'searchResponse'],
      ['<spmlsearch:iterateRequest/>', 'iterateResponse'],
      ['<pass:setPasswordRequest><spml:psoID ID="uid=bob,ou=people,o=example"/></pass:setPasswordRequest>', 'setPasswordResponse'],
      ['<spmlsuspend:suspendRequest effectiveDate="tomorrow"><spml:psoID ID="uid=bob,ou=people,o=example"/></spmlsuspend:suspendRequest>', 'suspendResponse'],
      ['<spmlbatch:batchRequest processing="random"/>', 'batchResponse'],
      ['<spmlasync:cancelRequest/>', 'cancelResponse'],
      ['<spml:lookupRequest executionMode="later"><spml:psoID ID="uid=bob,ou=people,o=example"/></spml:lookupRequest>', 'lookupResponse'],
    ];
    for (const [request, response] of cases) {
      const res = await h.call(request);
      assert.equal(res.local, response, request);
      assert.deepEqual([attr(res, 'status'), attr(res, 'error')], ['failure', 'malformedRequest'], request);
      assert.ok(statusOf(res).messages[0]!.length > 0, request);
    }
  });

  it('refuses a requestID that is not an xsd:ID without echoing it', async () => {
    const res = await h.call('<spml:listTargetsRequest requestID="1 bad"/>');
    assert.deepEqual([attr(res, 'status'), attr(res, 'error'), attr(res, 'requestID')], ['failure', 'malformedRequest', undefined]);
  });

  it('refuses xsd:anyURI values and takes xsd:base64Binary values as bytes', async () => {
    const uri = await h.call(`<spml:modifyRequest><spml:psoID ID="uid=bob,ou=people,o=example"/><spml:modification>
      <dsml:modification name="description" operation="replace"><dsml:value xsi:type="xsd:anyURI">http://169.254.169.254/</dsml:value></dsml:modification>
    </spml:modification></spml:modifyRequest>`);
    assert.equal(attr(uri, 'error'), 'malformedRequest');
    const b64 = await h.call(`<spml:modifyRequest returnData="data"><spml:psoID ID="uid=bob,ou=people,o=example"/><spml:modification>
      <dsml:modification name="description" operation="replace"><dsml:value xsi:type="xsd:base64Binary">w6ljbGFpciDwn5iA</dsml:value></dsml:modification>
    </spml:modification></spml:modifyRequest>`);
    assert.equal(attr(b64, 'status'), 'success', JSON.stringify(statusOf(b64)));
    const stored = (await ldap.readAsAdmin('uid=bob,ou=people,o=example'))!;
    assert.deepEqual(getAttribute(stored, 'description')!.values, ['éclair 😀']);
  });

  it('keeps whitespace and markup characters in values exactly', async () => {
    const value = '  a <b> & "c" \'d\'\n\ttail  ';
    const escaped = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
    const res = await h.call(`<spml:modifyRequest returnData="data"><spml:psoID ID="uid=bob,ou=people,o=example"/><spml:modification>
      <dsml:modification name="description" operation="replace"><dsml:value>${escaped}</dsml:value></dsml:modification>
    </spml:modification></spml:modifyRequest>`);
    const description = find(res, 'attr').find((a) => attr(a, 'name') === 'description')!;
    assert.equal(one(description, 'value').text, value);
  });

  it('answers bulk and updates requests with unsupportedOperation in their own response element', async () => {
    const bulk = await h.call(`<b:bulkDeleteRequest xmlns:b="urn:oasis:names:tc:SPML:2:0:bulk"><spmlsearch:query/></b:bulkDeleteRequest>`);
    assert.deepEqual([bulk.uri, bulk.local, attr(bulk, 'error')], ['urn:oasis:names:tc:SPML:2:0:bulk', 'bulkDeleteResponse', 'unsupportedOperation']);
    const updates = await h.call('<u:updatesRequest xmlns:u="urn:oasis:names:tc:SPML:2:0:updates"/>');
    assert.deepEqual([updates.local, attr(updates, 'error')], ['updatesResponse', 'unsupportedOperation']);
  });

  it('refuses what the authorize hook refuses, audits the refusal and writes nothing', async () => {
    h.refuse.add('people:modify');
    const res = await h.call(`<spml:modifyRequest><spml:psoID ID="uid=alice,ou=people,o=example"/><spml:modification>
      <dsml:modification name="description" operation="replace"><dsml:value>hacked</dsml:value></dsml:modification></spml:modification></spml:modifyRequest>`);
    assert.deepEqual([attr(res, 'status'), attr(res, 'error')], ['failure', 'customError']);
    assert.match(statusOf(res).messages[0]!, /not allowed to modify in target "people"/);
    assert.deepEqual(h.audit.map((e) => [e.operation, e.outcome, e.reason, e.target]), [['modify', 'denied', 'spml-not-authorized', 'people']]);
    const stored = (await ldap.readAsAdmin('uid=alice,ou=people,o=example'))!;
    assert.equal(getAttribute(stored, 'description'), undefined);
    assert.ok(h.authorizations.some((a) => a.target === 'people' && a.operation === 'modify'));
  });

  it('lists only the targets the caller may see, and checks provider-level operations with no target', async () => {
    h.refuse.add('groups:listTargets');
    const res = await h.call('<spml:listTargetsRequest/>');
    assert.deepEqual(find(res, 'target').map((t) => attr(t, 'targetID')), ['people']);
    h.refuse.add('*:batch');
    const batch = await h.call('<spmlbatch:batchRequest/>');
    assert.equal(attr(batch, 'error'), 'customError');
  });

  it('answers an operation the target does not offer with unsupportedOperation', async () => {
    const res = await h.call('<spmlsuspend:suspendRequest><spml:psoID ID="cn=staff,ou=groups,o=example"/></spmlsuspend:suspendRequest>');
    assert.deepEqual([attr(res, 'status'), attr(res, 'error')], ['failure', 'unsupportedOperation']);
    assert.equal(h.audit[0]!.outcome, 'failure');
  });

  it('answers everything with unsupportedOperation when SPML is disabled', async () => {
    const off = createHarness(ldap.directory, testSpmlConfig({ enabled: false }));
    const res = await off.call('<spml:lookupRequest><spml:psoID ID="uid=bob,ou=people,o=example"/></spml:lookupRequest>');
    assert.deepEqual([res.local, attr(res, 'error')], ['lookupResponse', 'unsupportedOperation']);
  });
});

describe('SPML response serialization', () => {
  it('writes values XML cannot carry as text in base64, and binary values too', () => {
    const xml = renderResponse({
      kind: 'lookup', status: 'success', errorMessages: [],
      pso: { id: 'a"b<c', targetID: 't', data: [{ type: 'description', values: ['bell\u0007', Buffer.from([0xff, 0x00])] }, { type: 'cn', values: ['fine'] }] },
    }, true);
    const el = parseXml(xml);
    assert.equal(attr(one(el, 'psoID'), 'ID'), 'a"b<c');
    const values = find(el, 'value');
    assert.deepEqual(values.map((v) => [attr(v, 'type', 'http://www.w3.org/2001/XMLSchema-instance'), v.text]), [
      ['xsd:base64Binary', Buffer.from('bell\u0007').toString('base64')],
      ['xsd:base64Binary', '/wA='],
      [undefined, 'fine'],
    ]);
  });

  it('does not repeat a requestID in one document', () => {
    const xml = renderResponse({
      kind: 'status', status: 'success', requestID: 'x', errorMessages: [], asyncRequestID: 'x',
      results: [{ kind: 'delete', status: 'success', requestID: 'x', errorMessages: [] }],
    }, true);
    assert.equal((xml.match(/requestID="x"/g) ?? []).length, 1);
  });
});
