import assert from 'node:assert/strict';
import type { DirgateClient } from '../../../src/client/index.js';
import { basicHeader, refusalReasons, startDeployment, type Deployment, type TestGateway } from './harness.js';

// The demo's lock-out: 5 failures within 900 s lock the name for 900 s.
describe('lock-out counted in the shared store, seen by every gateway instance', function () {
  this.timeout(60_000);
  let d: Deployment;
  let a: TestGateway;
  let b: TestGateway;
  let onA: DirgateClient;
  let onB: DirgateClient;

  before(async () => {
    d = await startDeployment({ gateways: 2 });
    [a, b] = d.gateways as [TestGateway, TestGateway];
    onA = d.client('mobile-demo', a);
    onB = d.client('mobile-demo', b);
  });
  after(() => d?.close());

  /** A login attempt's answer: the error message, or 'session' when it worked. */
  async function attempt(client: DirgateClient, user: string, password: string): Promise<string> {
    const { outcomes } = await client.dsml([{ kind: 'search', baseDN: 'ou=sessions,o=gateway' }], basicHeader(user, password));
    const o = outcomes[0]!;
    return o.kind === 'errorResponse' ? `${o.descr}: ${o.errorMessage}` : 'session';
  }

  it('locks alice after five failures spread over two instances, on both, with the same answer as a wrong password', async () => {
    const answers: string[] = [];
    for (const client of [onA, onB, onA, onB, onA]) answers.push(await attempt(client, 'alice', 'wrong'));
    const from = d.logs.length;
    const lockedA = await attempt(onA, 'alice', 'alice-pass');
    const lockedB = await attempt(onB, 'ALICE ', 'alice-pass');
    assert.deepEqual(new Set([...answers, lockedA, lockedB]), new Set(['authenticationFailed: authentication failed']));
    assert.deepEqual(refusalReasons(d.logs, from), ['account-locked', 'account-locked']);
    d.clock.advance(901);
    assert.equal(await attempt(onB, 'alice', 'alice-pass'), 'session');
  });

  it('counts names that belong to nobody the same way, so the answers tell nothing', async () => {
    for (let i = 0; i < 5; i++) assert.equal(await attempt(i % 2 ? onA : onB, 'mallory', `guess-${i}`), 'authenticationFailed: authentication failed');
    const from = d.logs.length;
    assert.equal(await attempt(onA, 'mallory', 'guess-5'), 'authenticationFailed: authentication failed');
    assert.deepEqual(refusalReasons(d.logs, from), ['account-locked']);
  });

  it('forgets failures after a success', async () => {
    for (let i = 0; i < 4; i++) await attempt(onA, 'carol', 'wrong');
    assert.equal(await attempt(onB, 'carol', 'carol-pass'), 'session');
    for (let i = 0; i < 4; i++) await attempt(onB, 'carol', 'wrong');
    assert.equal(await attempt(onA, 'carol', 'carol-pass'), 'session');
  });

  it('locks the user\'s DN after five wrong TOTP codes: no login by any method or application until it lifts', async () => {
    const secure = d.client('mobile-secure', a);
    try {
      const s = await secure.loginWithPassword('bob', 'bob-pass');
      for (let i = 0; i < 5; i++) await s.answerTotp('000000').catch(() => undefined);
      const from = d.logs.length;
      assert.equal(await attempt(onB, 'bob', 'bob-pass'), 'authenticationFailed: authentication failed');
      assert.deepEqual(refusalReasons(d.logs, from), ['account-locked']);
      d.clock.advance(901);
      assert.equal(await attempt(onB, 'bob', 'bob-pass'), 'session');
    } finally {
      await secure.close();
    }
  });
});
