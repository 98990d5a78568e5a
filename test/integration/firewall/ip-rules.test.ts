import assert from 'node:assert/strict';
import { APP, assertStillServes, dsmlSearch, faultReason, lastAudit, send, startBench, type Bench } from './harness.js';

// Loopback is a /8: 127.0.0.2 and 127.0.0.3 are other clients as far as the firewall can tell.
describe('firewall: client address allow and deny lists', () => {
  let bench: Bench;
  before(async () => {
    bench = await startBench({
      firewall: { clientIps: { deny: ['127.0.0.2/32', '2001:db8::/32'] } },
      applications: [
        { id: 'mobile-demo', access: { subtrees: ['ou=people,o=example'] } },
        { id: 'office-app', clientIps: { allow: ['127.0.0.3/32', '::1/128'] }, access: { subtrees: ['ou=people,o=example'] } },
      ],
    });
  });
  after(() => bench?.close());

  const body = dsmlSearch('uid=alice,ou=people,o=example');

  it('refuses a globally denied address before anything else, with 403', async () => {
    const before = bench.upstream.seen.length;
    const reply = await send(bench, { headers: APP, body, localAddress: '127.0.0.2' });
    assert.equal(reply.status, 403);
    assert.equal(faultReason(reply.body), 'ip-denied');
    assert.deepEqual([lastAudit(bench).reason, lastAudit(bench).clientIp], ['ip-denied', '127.0.0.2']);
    assert.equal(bench.upstream.seen.length, before);
    const probe = await send(bench, { method: 'GET', path: '/healthz', localAddress: '127.0.0.2' });
    assert.equal(probe.status, 403);
    await assertStillServes(bench);
  });

  it('serves an application only from the addresses on its allow list', async () => {
    const headers = { ...APP, 'x-dirgate-app': 'office-app' };
    const before = bench.upstream.seen.length;
    const outside = await send(bench, { headers, body, localAddress: '127.0.0.1' });
    assert.equal(outside.status, 403);
    assert.equal(faultReason(outside.body), 'ip-denied');
    assert.deepEqual([lastAudit(bench).reason, lastAudit(bench).app], ['ip-denied', 'office-app']);
    assert.equal(bench.upstream.seen.length, before);
    const inside = await send(bench, { headers, body, localAddress: '127.0.0.3' });
    assert.equal(inside.status, 200);
    assert.equal(bench.upstream.seen.at(-1)!.headers['x-dirgate-client-ip'], '127.0.0.3');
  });
});
