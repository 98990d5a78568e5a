import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { DirgateRequestError, type DirgateClient } from '../../../src/client/index.js';
import { issueCert, makeTestCa } from '../../helpers/test-ca.js';
import { refusalReasons, startDeployment, type Deployment } from './harness.js';

type Key = { pair: Awaited<ReturnType<typeof generateKeyPair>>; jwk: JWK };
const ISSUER = 'https://idp.example.com/';

async function key(kid: string): Promise<Key> {
  const pair = await generateKeyPair('ES256');
  return { pair, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

describe('JWT login from an external signer (JWKS over HTTPS with a test CA)', function () {
  this.timeout(60_000);
  let jwks: https.Server;
  let served: JWK[] = [];
  let dir: string;
  let d: Deployment;
  let demo: DirgateClient;
  let k1: Key;

  function sign(k: Key, claims: Record<string, unknown> = {}, options: { issuer?: string; lifetime?: number } = {}): Promise<string> {
    const at = Math.floor(d.clock.now / 1000);
    return new SignJWT({ email: 'alice@corp.example', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: k.jwk.kid! })
      .setIssuer(options.issuer ?? ISSUER).setAudience('dirgate').setSubject('alice')
      .setIssuedAt(at).setExpirationTime(at + (options.lifetime ?? 300))
      .sign(k.pair.privateKey);
  }

  async function refusedBecause(token: string, reason: string, client = demo): Promise<void> {
    const from = d.logs.length;
    const err = await client.loginWithJwt(token).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof DirgateRequestError, `expected a refusal, got ${String(err)}`);
    assert.equal(err.descr, 'authenticationFailed');
    assert.deepEqual(refusalReasons(d.logs, from), [reason]);
  }

  before(async () => {
    const ca = await makeTestCa();
    const cert = await issueCert(ca, { commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'] });
    jwks = https.createServer({ cert: cert.chainPem, key: cert.keyPem }, (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: served }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    dir = await mkdtemp(path.join(os.tmpdir(), 'dirgate-jwt-'));
    const caFile = path.join(dir, 'idp-ca.pem');
    await writeFile(caFile, ca.certPem);
    d = await startDeployment({
      tweak(raw) {
        raw.jwtSigners = [{
          name: 'idp', issuer: ISSUER, audience: 'dirgate', jwksUrl: `https://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`,
          userClaim: 'email', userAttribute: 'mail', algorithms: ['ES256'], caFile, jwks: { cooldownMs: 0 },
        }];
      },
      gateways: 1,
    });
    demo = d.client('mobile-demo');
    k1 = await key('k1');
    served = [k1.jwk];
  });
  after(async () => {
    await d?.close();
    await new Promise<void>((resolve) => (jwks ? jwks.close(() => resolve()) : resolve()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('logs alice in by the mail the token names, and the session works like any other', async () => {
    assert.deepEqual((await demo.discover()).authMethods, ['password', 'jwt']);
    const s = await demo.loginWithJwt(await sign(k1));
    assert.equal(s.user.dn, 'uid=alice,ou=people,o=example');
    assert.ok(s.sessionKey);
    assert.deepEqual((await s.whoami())?.dn, 'uid=alice,ou=people,o=example');
    await s.logoff();
  });

  it('follows the signer\'s key rotation (a new kid is fetched)', async () => {
    const k2 = await key('k2');
    served = [k1.jwk, k2.jwk];
    const s = await demo.loginWithJwt(await sign(k2));
    assert.equal(s.user.uid, 'alice');
    await s.logoff();
  });

  it('refuses expired, forged, foreign and unmatched tokens alike, each with its reason in the log', async () => {
    const stale = await sign(k1, {}, { lifetime: 60 });
    d.clock.advance(600);
    await refusedBecause(stale, 'jwt-expired');
    const stranger = await key('k1');
    await refusedBecause(await sign(stranger), 'jwt-invalid');
    await refusedBecause(await sign(k1, {}, { issuer: 'https://elsewhere.example/' }), 'jwt-issuer-unknown');
    await refusedBecause(await sign(k1, { email: 'nobody@corp.example' }), 'jwt-user-unknown');
    await refusedBecause('not.a.jwt', 'jwt-malformed');
  });

  it('refuses a JWT where the application allows passwords only', async () => {
    const secure = d.client('mobile-secure');
    try {
      await refusedBecause(await sign(k1), 'auth-method-not-allowed', secure);
    } finally {
      await secure.close();
    }
  });
});
