import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import { request } from 'undici';
import { batchRequestXml, parseBatchResponse, soapEnvelope, type DsmlOutcome } from '../../../src/client/index.js';
import { getAttribute } from '../../../src/directory/model.js';
import { HOP_HEADERS, hopSignature, IDENTITY_HEADERS } from '../../../src/firewall/hop-signature.js';
import { refusalReasons, startDeployment, type Deployment, type TestGateway } from './harness.js';

const LOGIN = soapEnvelope(batchRequestXml([{ kind: 'search', baseDN: 'ou=sessions,o=gateway', scope: 'base' }]));
const VAULT_SECRET = 'vault-app-secret-0123456789';

describe('application secrets and client-certificate login, through a signed hop as the firewall forwards it', function () {
  this.timeout(60_000);
  let d: Deployment;
  let gw: TestGateway;

  before(async () => {
    const secretHash = await argon2.hash(VAULT_SECRET, { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2 });
    d = await startDeployment({
      tweak(raw) {
        const apps = raw.applications as Array<Record<string, unknown>>;
        apps.find((a) => a.id === 'mobile-demo')!.authMethods = ['password', 'certificate'];
        apps.push({ id: 'vault-app', secretHash, authMethods: ['password'] });
      },
    });
    gw = await d.startGateway({ hop: true });
  });
  after(async () => {
    await d?.close();
  });

  /** POST /dsml signed with the hop secret, carrying what the firewall would vouch for. */
  async function signedLogin(app: string, vouched: { certSubject?: string; appAuth?: string; authorization?: string; secret?: string }) {
    const headers: Record<string, string> = {
      'x-dirgate-app': app,
      'content-type': 'text/xml; charset=utf-8',
      [IDENTITY_HEADERS.clientIp]: '127.0.0.1',
      [IDENTITY_HEADERS.requestId]: randomUUID(),
      [IDENTITY_HEADERS.appAuth]: vouched.appAuth ?? 'none',
      ...(vouched.certSubject ? { [IDENTITY_HEADERS.clientCertSubject]: vouched.certSubject } : {}),
      ...(vouched.authorization ? { authorization: vouched.authorization } : {}),
      ...(vouched.secret ? { 'x-dirgate-app-secret': vouched.secret } : {}),
    };
    const timestamp = String(Date.now());
    const nonce = randomUUID();
    const body = Buffer.from(LOGIN);
    headers[HOP_HEADERS.timestamp] = timestamp;
    headers[HOP_HEADERS.nonce] = nonce;
    headers[HOP_HEADERS.signature] = hopSignature(d.config.gateway.hopSecret!, { method: 'POST', path: '/dsml', timestamp, nonce, body, header: (n) => headers[n] });
    const res = await request(`${gw.url}/dsml`, { method: 'POST', headers, body });
    return { status: res.statusCode, text: await res.body.text() };
  }

  async function viaFirewall(app: string, vouched: Parameters<typeof signedLogin>[1]): Promise<DsmlOutcome> {
    const { status, text } = await signedLogin(app, vouched);
    assert.equal(status, 200, text);
    return parseBatchResponse(text)[0]!;
  }

  it('logs in the user a verified client certificate names (its UID matched against uid)', async () => {
    const o = await viaFirewall('mobile-demo', { certSubject: 'UID=alice,CN=Alice Anderson,O=Corp Example' });
    assert.equal(o.descr, 'success', o.errorMessage);
    const session = o.entries[0]!;
    assert.deepEqual(getAttribute(session, 'entryDN')?.values, ['uid=alice,ou=people,o=example']);
    assert.ok(getAttribute(session, 'sessionKey'));
  });

  it('refuses a certificate that names nobody, with its reason logged', async () => {
    const from = d.logs.length;
    const o = await viaFirewall('mobile-demo', { certSubject: 'UID=mallory,O=Elsewhere' });
    assert.equal(o.descr, 'authenticationFailed');
    assert.deepEqual(refusalReasons(d.logs, from), ['certificate-user-unknown']);
  });

  it('treats a certificate as no credentials where the application does not log users in by certificate', async () => {
    const { status } = await signedLogin('mobile-secure', { certSubject: 'UID=alice,O=Corp Example' });
    assert.equal(status, 401);
  });

  it('asks an application with a secret for it, unless the firewall vouches that it checked it', async () => {
    const alice = `Basic ${Buffer.from('alice:alice-pass').toString('base64')}`;
    let from = d.logs.length;
    assert.equal((await viaFirewall('vault-app', { authorization: alice })).descr, 'authenticationFailed');
    assert.equal((await viaFirewall('vault-app', { authorization: alice, secret: 'wrong-secret' })).descr, 'authenticationFailed');
    assert.deepEqual(refusalReasons(d.logs, from), ['app-secret-invalid', 'app-secret-invalid']);
    assert.equal((await viaFirewall('vault-app', { authorization: alice, secret: VAULT_SECRET })).descr, 'success');
    // The firewall strips the secret once it has verified it and says so in the signed X-Dirgate-App-Auth.
    from = d.logs.length;
    assert.equal((await viaFirewall('vault-app', { authorization: alice, appAuth: 'secret' })).descr, 'success');
    assert.deepEqual(refusalReasons(d.logs, from), []);
  });
});
