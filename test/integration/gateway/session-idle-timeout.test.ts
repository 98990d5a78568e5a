import assert from 'node:assert/strict';
import type { DirgateClient, DirgateSession } from '../../../src/client/index.js';
import { DirgateError } from '../../../src/errors.js';
import { refusalReasons, refusedWith, startDeployment, type Deployment } from './harness.js';

async function keyServerRefuses(d: Deployment, s: DirgateSession, reason = 'identity-revoked'): Promise<void> {
  await assert.rejects(d.keys.extract(s.identity!), (e: unknown) => e instanceof DirgateError && e.reason === reason);
}

// mobile-demo: idle timeout 900 s, maximum lifetime 8 h; tokens live as long as the idle timeout and renew at half of it.
describe('session idle timeout and maximum lifetime, on a clock the test moves', function () {
  this.timeout(60_000);
  let d: Deployment;
  let demo: DirgateClient;

  before(async () => {
    d = await startDeployment({ gateways: 1 });
    demo = d.client('mobile-demo');
  });
  after(() => d?.close());

  it('keeps a session that is used, renewing its token past half its lifetime', async () => {
    const s = await demo.loginWithPassword('alice', 'alice-pass');
    const first = s.token;
    d.clock.advance(300);
    await s.heartbeat();
    assert.equal(s.token, first, 'no renewal before half the token lifetime');
    d.clock.advance(300);
    await s.search('ou=people,o=example', { scope: 'one', attributes: ['uid'] });
    assert.notEqual(s.token, first, 'the answer carried a renewed token');
    // The previous token stays good for the grace period, for requests in flight and apps sharing the session.
    const old = d.client('mobile-demo');
    const { outcomes, answer } = await old.dsml([{ kind: 'search', baseDN: s.dn }], `Basic ${Buffer.from(`${s.id}:${first}`).toString('base64')}`);
    assert.equal(outcomes[0]?.descr, 'success');
    assert.equal(answer.headers['x-dirgate-session-token'], s.token, 'the holder of the old token is told the new one');
    await old.close();
    d.clock.advance(800);
    await s.heartbeat();
    d.clock.advance(800);
    await s.heartbeat();
    await s.logoff();
  });

  it('ends a session left idle past its timeout, for every application, and revokes its key', async () => {
    const s = await demo.loginWithPassword('bob', 'bob-pass');
    d.clock.advance(899);
    await s.heartbeat();
    d.clock.advance(901);
    const from = d.logs.length;
    await refusedWith(s.heartbeat());
    // The old token is also past its not-on-or-after by now; what matters is that the session is gone.
    assert.ok(['session-idle', 'token-expired'].includes(refusalReasons(d.logs, from)[0]!), refusalReasons(d.logs, from).join());
    await keyServerRefuses(d, s);
  });

  it('ends a session at its maximum lifetime however busy it is', async () => {
    const s = await demo.loginWithPassword('carol', 'carol-pass');
    for (let elapsed = 0; elapsed < 28_800 - 600; elapsed += 600) {
      d.clock.advance(600);
      await s.heartbeat();
    }
    d.clock.advance(600);
    await refusedWith(s.heartbeat());
    // The identity ends with the session: past it, the key server refuses it as expired.
    await keyServerRefuses(d, s, 'identity-expired');
  });

  it('sweeps idle sessions nobody touches, with their keys', async () => {
    const s = await demo.loginWithPassword('alice', 'alice-pass');
    d.clock.advance(901);
    await d.gateways[0]!.sweep();
    await keyServerRefuses(d, s);
    assert.ok(d.logs.some((l) => l.message === 'sessions swept' && Number(l.sessions) >= 1));
    await refusedWith(s.heartbeat());
  });
});
