/**
 * Every kind of SPML response dirgate writes, successes and failures, checked
 * against the OASIS SPMLv2 schemas (run by scripts/spml-conformance.mjs).
 */
import assert from 'node:assert/strict';
import { startSlapd, PROVISIONER, type Slapd } from '../unit/spml/helpers/slapd.js';
import { ldapDirectory, type ClosableDirectory } from '../unit/spml/helpers/ldap-directory.js';
import { createHarness, envelope, NAMESPACES, withNamespaces, type Harness } from '../unit/spml/helpers/harness.js';
import { prepareSchemas, responseOf, validateResponses, type SchemaSet } from './helpers/xsd.js';
import { attr } from '../../src/spml/xml.js';

const person = (uid: string, extra = '') => `<spml:addRequest targetID="people" requestID="add-${uid}"><spml:data>
  <dsml:attr name="objectClass"><dsml:value>inetOrgPerson</dsml:value></dsml:attr>
  <dsml:attr name="uid"><dsml:value>${uid}</dsml:value></dsml:attr>
  <dsml:attr name="cn"><dsml:value>${uid} &amp; &lt;co&gt;</dsml:value></dsml:attr>
  <dsml:attr name="sn"><dsml:value>${uid}</dsml:value></dsml:attr>${extra}</spml:data></spml:addRequest>`;

const BOB = '<spml:psoID ID="uid=bob,ou=people,o=example"/>';

/** One request per line: together they make every response element and every failure shape. */
const REQUESTS = [
  '<spml:listTargetsRequest requestID="lt"/>',
  '<spml:listTargetsRequest profile="urn:example:other"/>',
  person('vera', '<dsml:attr name="description"><dsml:value xsi:type="xsd:base64Binary">AAEC/w==</dsml:value></dsml:attr>'),
  person('vera'),
  `<spml:lookupRequest>${BOB}</spml:lookupRequest>`,
  `<spml:lookupRequest returnData="identifier">${BOB}</spml:lookupRequest>`,
  '<spml:lookupRequest><spml:psoID ID="uid=nobody,ou=people,o=example"/></spml:lookupRequest>',
  `<spml:modifyRequest returnData="data">${BOB}<spml:modification><dsml:modification name="telephoneNumber" operation="replace"><dsml:value>+1 555 0199</dsml:value></dsml:modification></spml:modification></spml:modifyRequest>`,
  `<spml:modifyRequest>${BOB}<spml:modification modificationMode="add"><spml:data><dsml:attr name="description"><dsml:value>tab\there</dsml:value></dsml:attr></spml:data></spml:modification></spml:modifyRequest>`,
  '<spml:modifyRequest/>',
  '<spml:deleteRequest><spml:psoID ID="ou=projects,ou=groups,o=example"/></spml:deleteRequest>',
  '<spml:deleteRequest recursive="true"><spml:psoID ID="uid=vera,ou=people,o=example"/></spml:deleteRequest>',
  '<spmlsearch:searchRequest maxSelect="2" requestID="s1"><spmlsearch:query targetID="people"><dsml:filter><dsml:present name="uid"/></dsml:filter></spmlsearch:query></spmlsearch:searchRequest>',
  '<spmlsearch:searchRequest returnData="identifier"/>',
  '<spmlsearch:iterateRequest><spmlsearch:iterator ID="itUnknown"/></spmlsearch:iterateRequest>',
  '<spmlsearch:closeIteratorRequest><spmlsearch:iterator ID="itUnknown"/></spmlsearch:closeIteratorRequest>',
  `<pass:setPasswordRequest>${BOB}<pass:password>Good-Pass-2024</pass:password></pass:setPasswordRequest>`,
  `<pass:setPasswordRequest>${BOB}<pass:password>abc</pass:password></pass:setPasswordRequest>`,
  `<pass:expirePasswordRequest>${BOB}</pass:expirePasswordRequest>`,
  `<pass:resetPasswordRequest>${BOB}</pass:resetPasswordRequest>`,
  '<pass:resetPasswordRequest><spml:psoID ID="cn=staff,ou=groups,o=example"/></pass:resetPasswordRequest>',
  `<pass:validatePasswordRequest>${BOB}<pass:password>wrong</pass:password></pass:validatePasswordRequest>`,
  `<spmlsuspend:suspendRequest>${BOB}</spmlsuspend:suspendRequest>`,
  `<spmlsuspend:activeRequest>${BOB}</spmlsuspend:activeRequest>`,
  `<spmlsuspend:resumeRequest>${BOB}</spmlsuspend:resumeRequest>`,
  `<spmlsuspend:suspendRequest effectiveDate="2999-01-01T00:00:00Z">${BOB}</spmlsuspend:suspendRequest>`,
  `<spmlbatch:batchRequest requestID="b" onError="resume">${person('wes')}${person('wes')}<spml:lookupRequest requestID="bl"><spml:psoID ID="uid=wes,ou=people,o=example"/></spml:lookupRequest></spmlbatch:batchRequest>`,
  '<spmlbatch:batchRequest processing="nonsense"/>',
  `<spml:lookupRequest requestID="j1" executionMode="asynchronous">${BOB}</spml:lookupRequest>`,
  `<spmlbatch:batchRequest requestID="j2" executionMode="asynchronous">${person('xan')}<spml:deleteRequest><spml:psoID ID="uid=xan,ou=people,o=example"/></spml:deleteRequest></spmlbatch:batchRequest>`,
  '<spmlasync:statusRequest asyncRequestID="nope"/>',
  '<spmlasync:cancelRequest asyncRequestID="nope"/>',
  '<spmlasync:cancelRequest/>',
  '<b:bulkModifyRequest xmlns:b="urn:oasis:names:tc:SPML:2:0:bulk"><spmlsearch:query/></b:bulkModifyRequest>',
  '<u:updatesRequest xmlns:u="urn:oasis:names:tc:SPML:2:0:updates"/>',
  '<spml:listTargetsRequest requestID="not an id"/>',
];

const AFTER_JOBS = [
  '<spmlasync:statusRequest asyncRequestID="j1" returnResults="true" requestID="st1"/>',
  '<spmlasync:statusRequest asyncRequestID="j2" returnResults="true"/>',
  '<spmlasync:statusRequest asyncRequestID="j2"/>',
  '<spmlasync:statusRequest returnResults="true" requestID="j1"/>',
  '<spmlasync:cancelRequest asyncRequestID="j1"/>',
];

describe('SPML responses validate against the OASIS SPMLv2 schemas', function () {
  this.timeout(60000);
  let slapd: Slapd;
  let directory: ClosableDirectory;
  let schemas: SchemaSet;
  let h: Harness;

  before(async () => {
    schemas = await prepareSchemas();
    slapd = await startSlapd();
    directory = ldapDirectory({ url: slapd.url, bindDN: PROVISIONER.dn, password: PROVISIONER.password });
    h = createHarness(directory);
  });
  after(async () => {
    await h?.runtime.jobs.drain();
    await directory?.close();
    await slapd?.stop();
    await schemas?.dispose();
  });

  it('validates every response of a full provisioning session, successes and failures alike', async () => {
    const bodies: string[] = [];
    const kinds = new Set<string>();
    const send = async (request: string) => {
      const res = await h.send(envelope(withNamespaces(request)));
      assert.equal(res.status, 200, res.body);
      const el = responseOf(res.body);
      kinds.add(`${el.local}:${attr(el, 'status')}`);
      bodies.push(res.body);
      return el;
    };
    for (const r of REQUESTS) await send(r);
    // The iterator the paged search opened.
    const searchBody = bodies[REQUESTS.findIndex((r) => r.includes('requestID="s1"'))]!;
    const iteratorID = /iterator ID="([^"]+)"/.exec(searchBody)?.[1];
    assert.ok(iteratorID, 'the paged search left an iterator');
    await send(`<spmlsearch:iterateRequest><spmlsearch:iterator ID="${iteratorID}"/></spmlsearch:iterateRequest>`);
    await h.runtime.jobs.drain();
    for (const r of AFTER_JOBS) await send(r);
    // A bare request is answered bare.
    const bare = await h.send(`<spml:listTargetsRequest ${NAMESPACES}/>`);
    bodies.push(bare.body);

    for (const expected of ['listTargetsResponse:success', 'addResponse:success', 'addResponse:failure', 'lookupResponse:success', 'modifyResponse:success',
      'deleteResponse:failure', 'deleteResponse:success', 'searchResponse:success', 'iterateResponse:success', 'iterateResponse:failure', 'closeIteratorResponse:failure',
      'setPasswordResponse:success', 'setPasswordResponse:failure', 'expirePasswordResponse:success', 'resetPasswordResponse:success', 'resetPasswordResponse:failure',
      'validatePasswordResponse:success', 'suspendResponse:success', 'suspendResponse:failure', 'resumeResponse:success', 'activeResponse:success',
      'batchResponse:failure', 'lookupResponse:pending', 'batchResponse:pending', 'statusResponse:success', 'statusResponse:failure', 'cancelResponse:failure',
      'bulkModifyResponse:failure', 'updatesResponse:failure']) {
      assert.ok(kinds.has(expected), `the scenario produced ${expected}`);
    }
    const failures = await validateResponses(schemas, bodies);
    assert.equal(failures.length, 0, failures.map((f) => f.output).join('\n----\n'));
  });

  it('rejects what the schemas forbid, so the check above can fail', async () => {
    const wrong = [
      envelope(`<spml:lookupResponse xmlns:spml="urn:oasis:names:tc:SPML:2:0" status="done"/>`),
      envelope(`<spml:addResponse xmlns:spml="urn:oasis:names:tc:SPML:2:0" status="failure" error="resultSetTooLarge"/>`),
      envelope(`<spml:lookupResponse xmlns:spml="urn:oasis:names:tc:SPML:2:0" xmlns:dsml="urn:oasis:names:tc:DSML:2:0:core" status="success"><spml:pso><spml:psoID ID="x"/><spml:data><dsml:attr><dsml:value>no name</dsml:value></dsml:attr></spml:data></spml:pso></spml:lookupResponse>`),
      envelope(`<s:searchResponse xmlns:s="urn:oasis:names:tc:SPML:2:0:search" xmlns:spml="urn:oasis:names:tc:SPML:2:0" status="success"><spml:pso><spml:psoID ID="x"/></spml:pso></s:searchResponse>`),
    ];
    const failures = await validateResponses(schemas, wrong);
    const patchedFailures = failures.filter((f) => f.output.startsWith('spmlv2-patched.xsd'));
    assert.equal(new Set(patchedFailures.map((f) => f.file)).size, wrong.length, failures.map((f) => f.output).join('\n'));
  });
});
