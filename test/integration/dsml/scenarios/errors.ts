/**
 * Error types over HTTP: malformedRequest for a bad operation of each kind
 * (the rest handled by onError), authenticationFailed for wrong credentials
 * (HTTP 200), 401 with a Basic challenge only where credentials are missing,
 * and HTTP 400 with a SOAP Fault for documents that are not XML, not SOAP or
 * DSML, or carry a DTD or entity (nothing expanded, nothing fetched).
 */
import assert from 'node:assert/strict';
import { ANY, answerFor, answersOf, batch, corpPerson, faultOf, person, readSource, searchRequest, soap11 } from '../dsml-client.js';
import { basicHeader } from '../system.js';
import { assertRefusedByFirewall, fresh, post, type ScenarioEnv } from './env.js';

const P = person('bob');
const search = (attrs: string, inner = '<filter><present name="uid"/></filter>') => `<searchRequest ${attrs}>${inner}</searchRequest>`;

/** [requestID, a bad operation, what its message must say] */
const MALFORMED: Array<[string, string, RegExp]> = [
  ['search-scope', search(`requestID="search-scope" dn="${P}" scope="sometimes" derefAliases="neverDerefAliases"`), /scope .* must be one of baseObject, singleLevel, wholeSubtree/],
  ['search-filter', search(`requestID="search-filter" dn="${P}" scope="baseObject" derefAliases="neverDerefAliases"`, ''), /needs a <filter>/],
  ['search-substrings', search(`requestID="search-substrings" dn="${P}" scope="baseObject" derefAliases="neverDerefAliases"`, '<filter><substrings name="cn"/></filter>'), /<substrings> needs at least one of initial, any or final/],
  ['search-size', search(`requestID="search-size" dn="${P}" scope="baseObject" derefAliases="neverDerefAliases" sizeLimit="-1"`), /sizeLimit .* must be an integer/],
  ['add-dn', '<addRequest requestID="add-dn"><attr name="uid"><value>x</value></attr></addRequest>', /<addRequest> needs the attribute dn/],
  ['add-base64', `<addRequest requestID="add-base64" dn="${person('t-never')}"><attr name="jpegPhoto"><value xsi:type="xsd:base64Binary">@@not base64@@</value></attr></addRequest>`, /invalid base64/],
  ['modify-operation', `<modifyRequest requestID="modify-operation" dn="${P}"><modification name="mail" operation="increment"><value>1</value></modification></modifyRequest>`, /operation .* must be one of add, delete, replace/],
  ['del-dn', '<delRequest requestID="del-dn"/>', /<delRequest> needs the attribute dn/],
  ['moddn-newrdn', `<modDNRequest requestID="moddn-newrdn" dn="${P}"/>`, /<modDNRequest> needs the attribute newrdn/],
  ['compare-assertion', `<compareRequest requestID="compare-assertion" dn="${P}"/>`, /<compareRequest> takes exactly one <assertion>/],
  ['extended-name', '<extendedRequest requestID="extended-name"/>', /<extendedRequest> needs a <requestName>/],
];

/** Bad elements the firewall refuses whole batches for (none is in an application's access.operations). */
const MALFORMED_UNLISTED: Array<[string, string, RegExp]> = [
  ['abandon-id', '<abandonRequest requestID="abandon-id"/>', /<abandonRequest> needs the attribute abandonID/],
  ['auth-not-first', `<authRequest requestID="auth-not-first" principal="dn:${P}"/>`, /authRequest is only allowed as the first element/],
  ['unknown', '<frobRequest requestID="unknown"/>', /unknown request element <frobRequest>/],
];

/** Bodies that are not a DSML request at all: [name, body, content type]. */
const NOT_DSML: Array<[string, string, string | undefined]> = [
  ['not-xml', 'this is not XML', 'text/xml'],
  ['truncated', soap11('<batchRequest xmlns="urn:oasis:names:tc:DSML:2:0:core">'), 'text/xml'],
  ['not-soap-nor-dsml', '<order xmlns="urn:example:shop"><item>1</item></order>', 'text/xml'],
  ['soap-without-batch', soap11('<ping xmlns="urn:example"/>'), 'text/xml'],
  ['dtd-internal-entity', `<!DOCTYPE batchRequest [<!ENTITY who "uid=bob,ou=people,o=example">]>${batch(searchRequest('1', '&who;', ANY, { scope: 'baseObject' }))}`, 'text/xml'],
  ['dtd-external-entity', `<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${soap11(batch(searchRequest('1', P, '<equalityMatch name="uid"><value>&xxe;</value></equalityMatch>', { scope: 'baseObject' })))}`, undefined],
  ['entity-expansion', `<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>${batch(searchRequest('1', P, '<equalityMatch name="uid"><value>&b;</value></equalityMatch>', { scope: 'baseObject' }))}`, 'text/xml'],
  ['undeclared-entity', soap11(batch(searchRequest('1', P, '<equalityMatch name="uid"><value>&xxe;</value></equalityMatch>', { scope: 'baseObject' }))), 'text/xml'],
];

export function errorScenarios(env: ScenarioEnv): void {
  it('malformedRequest: a bad operation of each kind is answered in place, with a message saying what is wrong; the rest still runs', async () => {
    const good = `<compareRequest requestID="good" dn="${P}"><assertion name="uid"><value>bob</value></assertion></compareRequest>`;
    const r = await post(env, 'malformed-each-kind', soap11(batch(MALFORMED.map(([, op]) => op).join('') + good, 'onError="resume"')));
    assert.equal(r.status, 200);
    for (const [id, , says] of MALFORMED) {
      const a = answerFor(r.body, id);
      assert.deepEqual([a.kind, a.errorType], ['errorResponse', 'malformedRequest'], id);
      assert.match(a.message ?? '', says, id);
    }
    assert.equal(answerFor(r.body, 'good').resultCode, 6);
  });

  it('malformedRequest for a bad abandonRequest, an authRequest out of place, an unknown element (the firewall refuses such a batch whole)', async () => {
    const good = `<compareRequest requestID="good" dn="${P}"><assertion name="uid"><value>bob</value></assertion></compareRequest>`;
    const r = await post(env, 'malformed-unlisted', soap11(batch(good + MALFORMED_UNLISTED.map(([, op]) => op).join(''), 'onError="resume"')));
    if (env.system().throughFirewall) {
      assertRefusedByFirewall(r);
      return;
    }
    for (const [id, , says] of MALFORMED_UNLISTED) {
      const a = answerFor(r.body, id);
      assert.deepEqual([a.kind, a.errorType], ['errorResponse', 'malformedRequest'], id);
      assert.match(a.message ?? '', says, id);
    }
    assert.equal(answerFor(r.body, 'good').resultCode, 6);
  });

  it('malformedRequest with onError="exit": the batch stops there, and nothing after it is written', async () => {
    const uid = fresh('after-malformed');
    const r = await post(env, 'malformed-exit', soap11(batch(
      `<delRequest requestID="bad"/><addRequest requestID="add" dn="${person(uid)}"><attr name="objectClass"><value>inetOrgPerson</value></attr><attr name="uid"><value>${uid}</value></attr><attr name="cn"><value>x</value></attr><attr name="sn"><value>x</value></attr></addRequest>`,
      'onError="exit"',
    )));
    assert.deepEqual(answersOf(r.body).answers.map((a) => [a.requestID, a.errorType]), [['bad', 'malformedRequest']]);
    assert.equal(await readSource(await env.system().source('corp'), corpPerson(uid)), undefined);
  });

  it('authenticationFailed, in a 200 batchResponse, for a wrong password, an unknown user and malformed credentials', async () => {
    const ops = searchRequest('s', P, ANY, { scope: 'baseObject' }) + `<compareRequest requestID="c" dn="${P}"><assertion name="uid"><value>bob</value></assertion></compareRequest>`;
    for (const [name, authorization] of [
      ['wrong-password', basicHeader('alice', 'not-alice-pass')],
      ['unknown-user', basicHeader('mallory', 'whatever')],
      ['malformed-credentials', 'Basic !!!not-base64!!!'],
    ] as const) {
      const r = await post(env, `auth-failed-${name}`, soap11(batch(ops, 'onError="resume"')), { authorization });
      assert.equal(r.status, 200, name);
      assert.equal(r.headers['www-authenticate'], undefined, `${name}: no challenge for credentials that were given`);
      const { answers } = answersOf(r.body);
      assert.deepEqual(answers.map((a) => [a.requestID, a.kind, a.errorType]), [['s', 'errorResponse', 'authenticationFailed'], ['c', 'errorResponse', 'authenticationFailed']], name);
      assert.equal(answers[0]!.message, 'authentication failed', `${name}: the same words whatever went wrong`);
    }
  });

  it('401 with WWW-Authenticate: Basic where credentials are missing; discovery needs none', async () => {
    const r = await post(env, 'missing-credentials', soap11(batch(searchRequest('s', P, ANY, { scope: 'baseObject' }))), {});
    assert.equal(r.status, 401);
    assert.match(String(r.headers['www-authenticate']), /^Basic realm="[^"]+"/);
    const discovery = await post(env, 'discovery', soap11(batch(searchRequest('d', 'cn=mobile-demo,ou=applications,o=gateway', ANY, { scope: 'baseObject' }))), {});
    assert.equal(discovery.status, 200);
    assert.equal(answerFor(discovery.body, 'd').resultCode, 0);
  });

  it('HTTP 400 and a SOAP Fault, without detail of the inside, for what is not XML, not SOAP or DSML, or holds a DTD or entity', async () => {
    for (const [name, body, contentType] of NOT_DSML) {
      const r = await post(env, `fault-${name}`, body, contentType ? { 'content-type': contentType, authorization: basicHeader('admin', 'admin-pass') } : { authorization: basicHeader('admin', 'admin-pass') });
      assert.equal(r.status, 400, name);
      assert.match(String(r.headers['content-type']), /^text\/xml/, name);
      const f = faultOf(r.body);
      assert.deepEqual([f.version, f.code], ['1.1', 'Client'], name);
      assert.doesNotMatch(r.body, /root:|\/bin\/|uid=bob|aaaaaaaaaaaaaaaaaaaa|at [\w.]+ \(|node:/, `${name}: nothing expanded, nothing internal`);
      if (f.detail) {
        // The firewall names its refusal reason (a stable public code) in the detail; the gateway sends none.
        assert.ok(env.system().throughFirewall, `${name}: the gateway's fault has no detail`);
        assert.match(r.body, /<detail><dg:reason xmlns:dg="urn:dirgate:firewall">[a-z-]+<\/dg:reason><\/detail>/);
      }
    }
  });

  it('a SOAP 1.2 request that is not well-formed gets a SOAP 1.2 Sender fault', async () => {
    const r = await post(env, 'fault-soap12', '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>', { 'content-type': 'application/soap+xml; charset=utf-8', authorization: basicHeader('admin', 'admin-pass') });
    assert.equal(r.status, 400);
    assert.match(String(r.headers['content-type']), /^application\/soap\+xml/);
    assert.deepEqual([faultOf(r.body).version, faultOf(r.body).code], ['1.2', 'Sender']);
  });
}
