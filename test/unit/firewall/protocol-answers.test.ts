import assert from 'node:assert/strict';
import { refusalAnswer, upstreamFailureAnswer } from '../../../src/firewall/protocol-answers.js';
import type { XmlSummary } from '../../../src/firewall/xml-screen.js';

const DSML_BATCH: XmlSummary = {
  enveloped: true,
  soapNamespace: 'http://schemas.xmlsoap.org/soap/envelope/',
  payload: { local: 'batchRequest', uri: 'urn:oasis:names:tc:DSML:2:0:core', requestId: 'r<1>' },
  encrypted: false,
  operations: [{ element: 'delRequest', dn: 'uid=a,o=example', ids: [] }],
};

describe('refusals in the protocol the client spoke', () => {
  it('answers a transport-level refusal on /dsml with a SOAP 1.1 Fault carrying the reason id', () => {
    const answer = refusalAnswer('xml-entity-refused', { route: 'dsml', soap12: false });
    assert.equal(answer.status, 400);
    assert.equal(answer.contentType, 'text/xml; charset=utf-8');
    assert.match(answer.body, /<faultcode>soap:Client<\/faultcode>/);
    assert.match(answer.body, /<dg:reason xmlns:dg="urn:dirgate:firewall">xml-entity-refused<\/dg:reason>/);
  });

  it('uses SOAP 1.2 for a client that sent application/soap+xml', () => {
    const answer = refusalAnswer('rate-limited', { route: 'spml', soap12: true });
    assert.equal(answer.status, 429);
    assert.match(answer.body, /<soap:Value>soap:Sender<\/soap:Value>/);
    assert.equal(answer.contentType, 'application/soap+xml; charset=utf-8');
  });

  it('answers a policy refusal of a DSML batch with a batchResponse errorResponse, HTTP 200, requestID escaped', () => {
    const denied = refusalAnswer('op-not-allowed', { route: 'dsml', xml: DSML_BATCH, soap12: false });
    assert.equal(denied.status, 200);
    assert.match(denied.body, /<batchResponse xmlns="urn:oasis:names:tc:DSML:2:0:core" requestID="r&lt;1&gt;"><errorResponse type="other">/);
    const unknown = refusalAnswer('app-unknown', { route: 'dsml', xml: { ...DSML_BATCH, enveloped: false }, soap12: false });
    assert.match(unknown.body, /^<\?xml[^>]*\?><batchResponse[^>]*><errorResponse type="authenticationFailed">/);
  });

  it('answers a policy refusal of an SPML request with its own response element and status failure', () => {
    const xml: XmlSummary = { enveloped: true, soapNamespace: DSML_BATCH.soapNamespace, payload: { local: 'addRequest', uri: 'urn:oasis:names:tc:SPML:2:0' }, encrypted: false, operations: [] };
    const answer = refusalAnswer('subtree-not-allowed', { route: 'spml', xml, soap12: false });
    assert.equal(answer.status, 200);
    assert.match(answer.body, /<spml:addResponse xmlns:spml="urn:oasis:names:tc:SPML:2:0" status="failure" error="customError">/);
  });

  it('falls back to a Fault for a policy refusal it cannot answer in the protocol (encrypted body) and to text off the XML routes', () => {
    assert.equal(refusalAnswer('op-not-allowed', { route: 'dsml', xml: { ...DSML_BATCH, encrypted: true }, soap12: false }).status, 403);
    const sso = refusalAnswer('app-unknown', { route: 'plain', soap12: false });
    assert.deepEqual([sso.status, sso.contentType, sso.body], [403, 'text/plain; charset=utf-8', 'unknown application\n']);
  });

  it('replaces a gateway 5xx with a Fault that says nothing about it', () => {
    const answer = upstreamFailureAnswer(500, { route: 'dsml', soap12: false });
    assert.equal(answer.status, 500);
    assert.match(answer.body, /<faultcode>soap:Server<\/faultcode><faultstring>internal error<\/faultstring>/);
  });
});
