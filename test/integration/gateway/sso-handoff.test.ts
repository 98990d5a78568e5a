import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { DirgateClient } from '../../../src/client/index.js';
import { basicHeader, startDeployment, type Deployment } from './harness.js';

// The npm `opentoken` package: an independent OpenToken implementation, as a web application's adapter would read the cookie.
type Callback<T> = (err: Error | null, value?: T) => void;
const independent = createRequire(import.meta.url)('opentoken/lib/token.js') as {
  decode(token: string, suite: number, password: string, cb: Callback<string>): void;
};
const theirDecode = (token: string) => new Promise<string>((resolve, reject) => {
  independent.decode(token.replace(/\+/g, '-').replace(/\//g, '_'), 2, 'demo-opentoken-password', (e, v) => (e ? reject(e) : resolve(v!)));
});

describe('SSO hand-off (GET /sso): the OpenToken cookie for web applications, allow-listed targets only', function () {
  this.timeout(60_000);
  let d: Deployment;
  let demo: DirgateClient;

  before(async () => {
    d = await startDeployment({ gateways: 1 });
    demo = d.client('mobile-demo');
  });
  after(() => d?.close());

  it('sets the session token as the configured cookie and redirects to the target as parsed', async () => {
    const s = await demo.loginWithPassword('alice', 'alice-pass');
    const target = 'https://portal.example.com/app/home?tab=1#top';
    const { status, location, setCookie } = await s.sso(target);
    assert.equal(status, 302);
    assert.equal(location, target);
    const match = /^opentoken=([^;]+); Path=\/; Max-Age=900; Secure; HttpOnly; SameSite=Lax$/.exec(setCookie ?? '');
    assert.ok(match, setCookie);
    const token = match[1]!;
    assert.equal(token, s.token);
    // What PingFederate's adapter (here: an independent implementation) reads from the cookie.
    const payload = await theirDecode(token);
    assert.match(payload, /^subject=uid=alice,ou=people,o=example$/m);
    assert.match(payload, new RegExp(`^sessionId=${s.id}$`, 'm'));
    // The web side, sharing the session, may use the cookie's token as session credentials.
    const portal = d.client('web-portal');
    const shared = await portal.resume(s.id, token);
    assert.equal(shared.user.uid, 'alice');
    await portal.close();
    await s.logoff();
  });

  it('never redirects anywhere else: look-alike hosts, other schemes and ports, tricks in the text', async () => {
    const s = await demo.loginWithPassword('bob', 'bob-pass');
    for (const target of [
      'https://evil.example.com/',
      'https://portal.example.com.evil.example/',
      'http://portal.example.com/',
      'https://portal.example.com:8443/',
      'https://portal.example.com\\@evil.example/',
      'https://user@portal.example.com/',
      '//evil.example/',
      'https://portal.example.com/%5c%5cevil.example',
      '',
    ]) {
      const from = d.logs.length;
      const answer = await s.sso(target);
      assert.equal(answer.status, 400, target);
      assert.equal(answer.location, undefined, target);
      assert.equal(answer.setCookie, undefined, target);
      assert.ok(d.logs.slice(from).some((l) => l.message === 'sso refused' && l.reason === 'sso-target-refused'), target);
    }
    await s.logoff();
  });

  it('asks for session credentials and refuses anything else without a redirect', async () => {
    const url = new URL(demo.ssoUrl('https://portal.example.com/'));
    const path = `${url.pathname}${url.search}`;
    const none = await demo.send('GET', path, {});
    assert.equal(none.status, 401);
    assert.match(String(none.headers['www-authenticate']), /^Basic /);
    const password = await demo.send('GET', path, { authorization: basicHeader('alice', 'alice-pass') });
    assert.equal(password.status, 401, 'login credentials are not a session');
    const s = await demo.loginWithPassword('carol', 'carol-pass');
    await s.logoff();
    const ended = await s.sso('https://portal.example.com/');
    assert.equal(ended.status, 401);
    for (const a of [none, password]) assert.equal(a.headers.location, undefined);
    assert.equal(ended.location, undefined);
  });

  it('refuses a session that still owes MFA', async () => {
    const secure = d.client('mobile-secure');
    try {
      const s = await secure.loginWithPassword('bob', 'bob-pass');
      const answer = await s.sso('https://portal.example.com/');
      assert.deepEqual([answer.status, answer.location, answer.setCookie], [401, undefined, undefined]);
      await s.logoff();
    } finally {
      await secure.close();
    }
  });
});
