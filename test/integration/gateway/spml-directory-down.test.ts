/**
 * An SPML request whose caller cannot be checked because the directory is out
 * of reach: the answer is a SOAP Server fault (the gateway's problem, not the
 * client's) with HTTP 500 and the public message only, nothing of the inside.
 */
import assert from 'node:assert/strict';
import { request } from 'undici';
import type { CountingRelay } from '../../helpers/ldap-relay.js';
import { basicHeader, startDeploymentBehindRelay, type Deployment } from './harness.js';

const LIST_TARGETS = '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
  + '<listTargetsRequest xmlns="urn:oasis:names:tc:SPML:2:0"/></soap:Body></soap:Envelope>';

describe('SPML with the directory out of reach', function () {
  this.timeout(60_000);
  let d: Deployment;
  let relay: CountingRelay;

  before(async () => {
    ({ d, relay } = await startDeploymentBehindRelay());
  });
  after(async () => {
    await d?.close();
    await relay?.close();
  });

  it('answers a SOAP Server fault with HTTP 500 and no detail of the inside', async () => {
    const session = await d.client('mobile-demo').loginWithPassword('alice', 'alice-pass');
    await relay.close();
    const res = await request(`${d.gateways[0]!.url}/spml`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', 'x-dirgate-app': 'mobile-demo', authorization: basicHeader(session.id, session.token) },
      body: LIST_TARGETS,
    });
    const body = await res.body.text();
    assert.equal(res.statusCode, 500, body);
    assert.match(body, /<faultcode>soap:Server<\/faultcode>/);
    assert.doesNotMatch(body, /127\.0\.0\.1|ldap:\/\/|at [\w.]+ \(/, 'no address or stack in the answer');
  });
});
