import assert from 'node:assert/strict';
import { APP, assertStillServes, basic, dsmlSearch, faultReason, lastAudit, send, startBench, type Bench } from './harness.js';

const LOGIN = dsmlSearch('ou=sessions,o=gateway');

describe('firewall: rate limits', () => {
  let bench: Bench;
  before(async () => {
    bench = await startBench({
      firewall: {
        rateLimits: {
          perIp: { points: 30, durationSeconds: 60 },
          perPrincipal: { points: 100, durationSeconds: 60 },
          loginPerPrincipal: { points: 3, durationSeconds: 60, blockSeconds: 120 },
          loginPerIp: { points: 20, durationSeconds: 60 },
        },
      },
    });
  });
  after(() => bench?.close());

  it('stops a login flood for one user with 429 and Retry-After, and keeps serving others', async () => {
    const headers = { ...APP, authorization: basic('alice', 'wrong-guess') };
    const before = bench.upstream.seen.length;
    for (let i = 0; i < 3; i++) assert.equal((await send(bench, { headers, body: LOGIN })).status, 200);
    const flood = await send(bench, { headers, body: LOGIN });
    assert.equal(flood.status, 429);
    assert.ok(Number(flood.headers['retry-after']) > 0 && Number(flood.headers['retry-after']) <= 120, `Retry-After ${flood.headers['retry-after']}`);
    assert.equal(faultReason(flood.body), 'login-rate-limited');
    assert.deepEqual([lastAudit(bench).reason, lastAudit(bench).principal], ['login-rate-limited', 'alice']);
    assert.equal(bench.upstream.seen.length, before + 3);
    // The user name, not the spelling, is the key; other users and session traffic are untouched.
    assert.equal((await send(bench, { headers: { ...APP, authorization: basic('ALICE', 'x') }, body: dsmlSearch('uid=alice,ou=people,o=example') })).status, 429);
    assert.equal((await send(bench, { headers: { ...APP, authorization: basic('bob', 'bob-pass') }, body: LOGIN })).status, 200);
    assert.equal((await send(bench, { headers: { ...APP, authorization: basic('sess-1', 'T1RLAQsession-token') }, body: dsmlSearch('uid=alice,ou=people,o=example') })).status, 200);
    await assertStillServes(bench);
  });

  it('limits each client address, and only that address', async () => {
    const from = '127.0.0.4';
    let reply;
    for (let i = 0; i < 31; i++) reply = await send(bench, { method: 'GET', path: '/healthz', localAddress: from });
    assert.equal(reply!.status, 429);
    assert.equal(reply!.body, 'too many requests\n');
    assert.ok(Number(reply!.headers['retry-after']) >= 1);
    assert.deepEqual([lastAudit(bench).reason, lastAudit(bench).clientIp], ['rate-limited', from]);
    const dsml = await send(bench, { headers: APP, body: dsmlSearch('uid=alice,ou=people,o=example'), localAddress: from });
    assert.equal(dsml.status, 429);
    assert.equal(faultReason(dsml.body), 'rate-limited');
    await assertStillServes(bench);
  });
});
