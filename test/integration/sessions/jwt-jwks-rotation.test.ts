import 'reflect-metadata'; // test-ca's @peculiar/x509 needs it loaded first
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { DirgateError } from '../../../src/errors.js';
import { JwtVerifier, type JwtSignerConfig } from '../../../src/sessions/jwt.js';
import { issueCert, makeTestCa } from '../../helpers/test-ca.js';

type Key = Awaited<ReturnType<typeof generateKeyPair>>;

describe('JWT login with a signer whose keys rotate', () => {
  let server: https.Server;
  let served: JWK[] = [];
  let fetches = 0;
  let ca: string;
  let url: string;
  const now = Date.UTC(2030, 0, 1, 9);
  const issuer = 'https://idp.example.com/';

  before(async () => {
    const testCa = await makeTestCa();
    const cert = await issueCert(testCa, { commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'] });
    ca = testCa.certPem;
    server = https.createServer({ cert: cert.chainPem, key: cert.keyPem }, (req, res) => {
      fetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: served }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function key(kid: string): Promise<{ pair: Key; jwk: JWK }> {
    const pair = await generateKeyPair('ES256');
    return { pair, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256', use: 'sig' } };
  }

  function sign(k: { pair: Key; jwk: JWK }, claims: Record<string, unknown> = {}, at = now, alg = 'ES256') {
    return new SignJWT({ email: 'bob@example.com', ...claims })
      .setProtectedHeader({ alg, kid: k.jwk.kid! })
      .setIssuer(issuer).setAudience('dirgate').setSubject('bob')
      .setIssuedAt(Math.floor(at / 1000)).setExpirationTime(Math.floor(at / 1000) + 300)
      .sign(k.pair.privateKey);
  }

  function verifier(): JwtVerifier {
    const config: JwtSignerConfig = {
      name: 'idp', issuer, audience: 'dirgate', jwksUrl: url, userClaim: 'email', userAttribute: 'mail',
      algorithms: ['ES256'], clockToleranceSeconds: 30,
      // No cool-down, so an unknown kid refetches at once and the test needs no waiting.
      jwks: { timeoutMs: 5000, cooldownMs: 0, cacheMaxAgeMs: 600_000 },
    };
    return new JwtVerifier([config], { clock: () => now, ca });
  }

  function refusedWith(reason: string) {
    return (err: unknown) => err instanceof DirgateError && err.code === 'ERR_AUTHENTICATION_FAILED' && err.reason === reason && err.publicMessage === 'authentication failed';
  }

  it('maps the configured claim to the user attribute, fetching the JWKS once for many logins', async () => {
    const k1 = await key('k1');
    served = [k1.jwk];
    fetches = 0;
    const v = verifier();
    const login = await v.verify(await sign(k1));
    assert.deepEqual({ signer: login.signer, userAttribute: login.userAttribute, userValue: login.userValue }, { signer: 'idp', userAttribute: 'mail', userValue: 'bob@example.com' });
    await v.verify(await sign(k1));
    assert.equal(fetches, 1);
  });

  it('refetches the JWKS when a token names an unknown kid, and accepts the rotated key', async () => {
    const k1 = await key('k1');
    const k2 = await key('k2');
    served = [k1.jwk];
    fetches = 0;
    const v = verifier();
    await v.verify(await sign(k1));
    served = [k2.jwk];
    const login = await v.verify(await sign(k2));
    assert.equal(login.userValue, 'bob@example.com');
    assert.equal(fetches, 2);
    // The retired key is gone from the set: its tokens are refused.
    await assert.rejects(v.verify(await sign(k1)), refusedWith('jwt-invalid'));
  });

  it('refuses tokens for another audience, expired ones, unknown issuers and algorithms not allowed', async () => {
    const k1 = await key('k1');
    served = [k1.jwk];
    const v = verifier();
    const otherAudience = await new SignJWT({ email: 'x' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(issuer).setAudience('someone-else')
      .setExpirationTime(Math.floor(now / 1000) + 60).sign(k1.pair.privateKey);
    await assert.rejects(v.verify(otherAudience), refusedWith('jwt-invalid'));
    await assert.rejects(v.verify(await sign(k1, {}, now - 3_600_000)), refusedWith('jwt-expired'));
    const stranger = await new SignJWT({ email: 'x' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('https://evil.example/')
      .setAudience('dirgate').setExpirationTime(Math.floor(now / 1000) + 60).sign(k1.pair.privateKey);
    await assert.rejects(v.verify(stranger), refusedWith('jwt-issuer-unknown'));
    const hmac = await new SignJWT({ email: 'x' }).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setIssuer(issuer).setAudience('dirgate')
      .setExpirationTime(Math.floor(now / 1000) + 60).sign(new TextEncoder().encode('a shared secret of thirty-two bytes!!'));
    await assert.rejects(v.verify(hmac), refusedWith('jwt-invalid'));
    await assert.rejects(v.verify('not.a.jwt'), refusedWith('jwt-malformed'));
    await assert.rejects(v.verify(await sign(k1, { email: undefined })), refusedWith('jwt-user-claim-missing'));
  });
});
