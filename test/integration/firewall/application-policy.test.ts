import assert from 'node:assert/strict';
import argon2 from 'argon2';
import { issueCert, makeTestCa } from '../../helpers/test-ca.js';
import { APP, assertStillServes, basic, dsmlBatch, dsmlSearch, faultReason, lastAudit, send, startBench, type Bench } from './harness.js';

const PEOPLE = 'ou=people,o=example';
const XML = { 'content-type': 'text/xml; charset=utf-8' };

const ENCRYPTED = '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element"><xenc:CipherData><xenc:CipherValue>AAAA</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></soap:Body></soap:Envelope>';

function spml(inner: string): string {
  return `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${inner}</soap:Body></soap:Envelope>`;
}

describe('firewall: what each application may do', () => {
  let bench: Bench;
  let certApp: { certPem: string; keyPem: string };
  let strangerCert: { certPem: string; keyPem: string };

  before(async () => {
    const secretHash = await argon2.hash('app-secret-1', { type: argon2.argon2id });
    bench = await startBench({
      applications: [
        { id: 'mobile-demo', access: { endpoints: ['/dsml', '/sso'], operations: ['search', 'compare', 'modify', 'modDN'], subtrees: [PEOPLE] } },
        { id: 'secret-app', secretHash, access: { subtrees: [PEOPLE] } },
        // The test CA writes CN first, so the RFC 4514 string (most specific last in DER) starts with O.
        { id: 'cert-app', clientCertificateSubject: 'o=dirgate tests, cn=cert-app', access: { subtrees: [PEOPLE] } },
        { id: 'enc-app', encryption: 'required', access: { subtrees: [PEOPLE] } },
        { id: 'spml-app', access: { endpoints: ['/spml'], operations: ['spml-read'], subtrees: [PEOPLE] } },
      ],
    });
    certApp = await issueCert(bench.pki.ca, { commonName: 'cert-app', subjectSuffix: 'O=dirgate tests', clientAuth: true, serverAuth: false });
    strangerCert = await issueCert(await makeTestCa({ commonName: 'another CA' }), { commonName: 'cert-app', subjectSuffix: 'O=dirgate tests', clientAuth: true, serverAuth: false });
  });
  after(() => bench?.close());

  async function refusedInBatch(reply: Promise<{ status: number; body: string }>, reason: string, type: string): Promise<void> {
    const before = bench.upstream.seen.length;
    const r = await reply;
    assert.equal(r.status, 200, 'a batchResponse goes with HTTP 200');
    assert.match(r.body, new RegExp(`<batchResponse xmlns="urn:oasis:names:tc:DSML:2:0:core"[^>]*><errorResponse type="${type}"><message>`));
    assert.equal(lastAudit(bench).reason, reason);
    assert.equal(lastAudit(bench).decision, 'deny');
    assert.equal(bench.upstream.seen.length, before, 'the gateway saw the request');
  }

  it('refuses a missing or unknown application with authenticationFailed', async () => {
    await refusedInBatch(send(bench, { headers: XML, body: dsmlSearch(`uid=alice,${PEOPLE}`) }), 'app-unknown', 'authenticationFailed');
    await refusedInBatch(send(bench, { headers: { ...XML, 'x-dirgate-app': 'mobile-demo-but-longer' }, body: dsmlSearch(`uid=alice,${PEOPLE}`) }), 'app-unknown', 'authenticationFailed');
    assert.equal(lastAudit(bench).app, 'mobile-demo-but-longer');
    await assertStillServes(bench);
  });

  it('checks an application secret with argon2 and forwards how, never the secret', async () => {
    const headers = { ...XML, 'x-dirgate-app': 'secret-app' };
    await refusedInBatch(send(bench, { headers, body: dsmlSearch(`uid=alice,${PEOPLE}`) }), 'app-secret-invalid', 'authenticationFailed');
    await refusedInBatch(send(bench, { headers: { ...headers, 'x-dirgate-app-secret': 'app-secret-2' }, body: dsmlSearch(`uid=alice,${PEOPLE}`) }), 'app-secret-invalid', 'authenticationFailed');
    for (let i = 0; i < 2; i++) {
      const ok = await send(bench, { headers: { ...headers, 'x-dirgate-app-secret': 'app-secret-1' }, body: dsmlSearch(`uid=alice,${PEOPLE}`) });
      assert.equal(ok.status, 200);
      const seen = bench.upstream.seen.at(-1)!.headers;
      assert.equal(seen['x-dirgate-app-auth'], 'secret');
      assert.equal(seen['x-dirgate-app-secret'], undefined);
    }
  });

  it('refuses an operation outside the allow-list, naming it in the audit line', async () => {
    await refusedInBatch(send(bench, { headers: APP, body: dsmlBatch(`<searchRequest dn="${PEOPLE}" scope="singleLevel" derefAliases="neverDerefAliases"><filter><present name="uid"/></filter></searchRequest><delRequest dn="uid=bob,${PEOPLE}"/>`) }), 'op-not-allowed', 'other');
    assert.deepEqual([lastAudit(bench).operation, lastAudit(bench).dn], ['delete', `uid=bob,${PEOPLE}`]);
    await assertStillServes(bench);
  });

  it('refuses DNs outside the application\'s subtrees but always lets o=gateway through', async () => {
    await refusedInBatch(send(bench, { headers: APP, body: dsmlSearch('o=example') }), 'subtree-not-allowed', 'other');
    assert.equal(lastAudit(bench).dn, 'o=example');
    await refusedInBatch(send(bench, { headers: APP, body: dsmlSearch('uid=alice,ou=people,o=example2') }), 'subtree-not-allowed', 'other');
    await refusedInBatch(send(bench, { headers: APP, body: dsmlSearch('uid=alice,ou=people\\,o=example') }), 'subtree-not-allowed', 'other');
    await refusedInBatch(send(bench, { headers: APP, body: dsmlBatch(`<modDNRequest dn="uid=alice,${PEOPLE}" newrdn="uid=alice" newSuperior="ou=admins,o=example"/>`) }), 'subtree-not-allowed', 'other');
    await refusedInBatch(send(bench, { headers: APP, body: dsmlBatch(`<modDNRequest dn="${PEOPLE}" newrdn="ou=elsewhere"/>`) }), 'subtree-not-allowed', 'other');
    for (const dn of ['UID=Alice, OU=People, O=Example', 'ou=sessions,o=gateway', 'cn=mobile-demo,ou=applications,o=gateway']) {
      const ok = await send(bench, { headers: APP, body: dsmlSearch(dn) });
      assert.equal(ok.status, 200, dn);
      assert.equal(lastAudit(bench).reason, 'allowed');
    }
  });

  it('refuses an endpoint the application may not use, in the protocol of that endpoint', async () => {
    const r = await send(bench, { path: '/spml', headers: APP, body: spml('<spml:lookupRequest xmlns:spml="urn:oasis:names:tc:SPML:2:0" requestID="l1"><spml:psoID ID="uid=alice,ou=people,o=example"/></spml:lookupRequest>') });
    assert.equal(r.status, 200);
    assert.match(r.body, /<spml:lookupResponse xmlns:spml="urn:oasis:names:tc:SPML:2:0" status="failure" error="customError" requestID="l1">/);
    assert.equal(lastAudit(bench).reason, 'endpoint-not-allowed');
    const sso = await send(bench, { method: 'GET', path: '/sso?target=x', headers: { 'x-dirgate-app': 'spml-app' } });
    assert.deepEqual([sso.status, sso.body], [403, 'this endpoint is not allowed for the application\n']);
  });

  it('applies SPML operation classes and PSO identifiers to the subtree rule', async () => {
    const headers = { ...XML, 'x-dirgate-app': 'spml-app' };
    const lookup = await send(bench, { path: '/spml', headers, body: spml(`<spml:lookupRequest xmlns:spml="urn:oasis:names:tc:SPML:2:0"><spml:psoID ID="uid=alice,${PEOPLE}"/></spml:lookupRequest>`) });
    assert.equal(lookup.status, 200);
    assert.equal(bench.upstream.seen.at(-1)!.url, '/spml');
    let before = bench.upstream.seen.length;
    const add = await send(bench, { path: '/spml', headers, body: spml(`<spml:addRequest xmlns:spml="urn:oasis:names:tc:SPML:2:0"><spml:containerID ID="${PEOPLE}"/></spml:addRequest>`) });
    assert.match(add.body, /<spml:addResponse [^>]*status="failure"/);
    assert.equal(lastAudit(bench).reason, 'op-not-allowed');
    assert.equal(bench.upstream.seen.length, before);
    const opaque = await send(bench, { path: '/spml', headers, body: spml('<spml:lookupRequest xmlns:spml="urn:oasis:names:tc:SPML:2:0"><spml:psoID ID="0b7c1a2e-5d1f-4e0a-9c3b-6a1d2e3f4a5b" targetID="people"/></spml:lookupRequest>') });
    assert.equal(opaque.status, 200);
    assert.equal(lastAudit(bench).reason, 'allowed', 'a server-made PSO id is left to the gateway');
    before = bench.upstream.seen.length;
    const outside = await send(bench, { path: '/spml', headers, body: spml('<spml:lookupRequest xmlns:spml="urn:oasis:names:tc:SPML:2:0"><spml:psoID ID="cn=admin,o=hr"/></spml:lookupRequest>') });
    assert.match(outside.body, /status="failure"/);
    assert.equal(lastAudit(bench).reason, 'subtree-not-allowed');
    assert.equal(bench.upstream.seen.length, before);
  });

  it('requires encryption where the application says so, except for discovery', async () => {
    const headers = { ...XML, 'x-dirgate-app': 'enc-app', authorization: basic('alice', 'alice-pass') };
    await refusedInBatch(send(bench, { headers, body: dsmlSearch(`uid=alice,${PEOPLE}`) }), 'encryption-required', 'other');
    assert.equal((await send(bench, { headers: { ...headers, 'x-dirgate-encrypt': 'ibe' }, body: dsmlSearch(`uid=alice,${PEOPLE}`) })).status, 200);
    assert.equal((await send(bench, { headers, body: ENCRYPTED })).status, 200);
    assert.equal(bench.upstream.seen.at(-1)!.body, ENCRYPTED);
    assert.equal((await send(bench, { headers: { ...XML, 'x-dirgate-app': 'enc-app' }, body: dsmlSearch('cn=enc-app,ou=applications,o=gateway') })).status, 200);
  });

  it('authenticates an application by its verified client certificate and forwards the subject', async () => {
    const headers = { ...XML, 'x-dirgate-app': 'cert-app' };
    const ok = await send(bench, { headers, body: dsmlSearch(`uid=alice,${PEOPLE}`), cert: certApp.certPem, key: certApp.keyPem });
    assert.equal(ok.status, 200);
    const seen = bench.upstream.seen.at(-1)!.headers;
    assert.equal(seen['x-dirgate-client-cert-subject'], 'O=dirgate tests,CN=cert-app');
    assert.match(String(seen['x-dirgate-client-cert-fingerprint']), /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.equal(seen['x-dirgate-app-auth'], 'certificate');
    await refusedInBatch(send(bench, { headers, body: dsmlSearch(`uid=alice,${PEOPLE}`) }), 'app-cert-mismatch', 'authenticationFailed');
  });

  it('refuses a client certificate the client CA did not issue, even for an application that needs none', async () => {
    const before = bench.upstream.seen.length;
    const r = await send(bench, { headers: APP, body: dsmlSearch(`uid=alice,${PEOPLE}`), cert: strangerCert.certPem, key: strangerCert.keyPem });
    assert.equal(r.status, 403);
    assert.equal(faultReason(r.body), 'client-cert-invalid');
    assert.equal(lastAudit(bench).reason, 'client-cert-invalid');
    assert.equal(bench.upstream.seen.length, before);
    await assertStillServes(bench);
  });
});
