import assert from 'node:assert/strict';
import type { DirgateClient } from '../../../src/client/index.js';
import { DirgateError } from '../../../src/errors.js';
import { refusalReasons, refusedWith, startDeployment, type Deployment, type TestGateway } from './harness.js';

// Two gateways with their own caches over one profile store and one key server,
// as two gateway processes behind a load balancer would be.
describe('common logoff across gateway instances and the applications sharing a session', function () {
  this.timeout(60_000);
  let d: Deployment;
  let a: TestGateway;
  let b: TestGateway;
  let demoA: DirgateClient;
  let demoB: DirgateClient;
  let portalB: DirgateClient;

  before(async () => {
    d = await startDeployment({ gateways: 2 });
    [a, b] = d.gateways as [TestGateway, TestGateway];
    demoA = d.client('mobile-demo', a);
    demoB = d.client('mobile-demo', b);
    portalB = d.client('web-portal', b);
  });
  after(() => d?.close());

  it('refuses a session on the second instance the moment the first one logged it off, for every sharing app', async () => {
    const s = await demoA.loginWithPassword('alice', 'alice-pass');
    // Both instances and both applications hold the session (and cache it).
    const onB = await demoB.resume(s.id, s.token);
    const portal = await portalB.resume(s.id, s.token);
    await onB.search('ou=people,o=example', { scope: 'one', attributes: ['uid'] });
    await portal.heartbeat();
    assert.equal(portal.user.uid, 'alice');

    await s.logoff();
    const from = d.logs.length;
    await refusedWith(onB.heartbeat());
    await refusedWith(portal.search('ou=people,o=example', { scope: 'one' }));
    await refusedWith(s.heartbeat());
    assert.ok(refusalReasons(d.logs, from).every((r) => r === 'session-unknown'), refusalReasons(d.logs, from).join());
    await assert.rejects(d.keys.extract(s.identity!), (e: unknown) => e instanceof DirgateError && e.reason === 'identity-revoked');
  });

  it('refuses on the first instance a session the administrator ended through the second', async () => {
    const s = await demoA.loginWithPassword('bob', 'bob-pass');
    await s.heartbeat();
    const admin = await demoB.loginWithPassword('admin', 'admin-pass');
    await admin.delete(s.dn);
    await refusedWith(s.heartbeat());
    await assert.rejects(d.keys.extract(s.identity!), (e: unknown) => e instanceof DirgateError && e.reason === 'identity-revoked');
    await admin.logoff();
  });

  it('leaves other sessions of the same user alone', async () => {
    const first = await demoA.loginWithPassword('carol', 'carol-pass');
    const second = await demoB.loginWithPassword('carol', 'carol-pass');
    await first.logoff();
    await second.heartbeat();
    assert.equal(second.user.uid, 'carol');
    await second.logoff();
  });
});
