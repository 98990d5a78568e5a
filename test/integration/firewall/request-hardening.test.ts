import assert from 'node:assert/strict';
import { APP, assertStillServes, connectRaw, dsmlSearch, faultReason, lastAudit, readAll, send, startBench, type Bench } from './harness.js';

describe('firewall: only the expected requests get in', () => {
  let bench: Bench;
  before(async () => { bench = await startBench({ firewall: { limits: { maxHeaderCount: 20, maxHeaderBytes: 4096 } } }); });
  after(() => bench?.close());

  const SEARCH = dsmlSearch('uid=alice,ou=people,o=example');

  async function refusedWith(reply: Promise<{ status: number; body: string; headers: Record<string, unknown> }>, status: number, reason: string) {
    const before = bench.upstream.seen.length;
    const r = await reply;
    assert.equal(r.status, status);
    assert.equal(lastAudit(bench).reason, reason);
    assert.equal(bench.upstream.seen.length, before);
    return r;
  }

  it('refuses a method the path does not take, naming the one it does', async () => {
    const r = await refusedWith(send(bench, { method: 'GET', path: '/dsml', headers: APP }), 405, 'method-not-allowed');
    assert.equal(r.headers.allow, 'POST');
    assert.equal(faultReason(r.body), 'method-not-allowed');
    await refusedWith(send(bench, { method: 'PUT', path: '/healthz' }), 405, 'method-not-allowed');
    await assertStillServes(bench);
  });

  it('refuses any path but the five, compared exactly as sent', async () => {
    for (const path of ['/', '/DSML', '/dsml/', '/dsml/../admin', '/%64sml', '//dsml', '/admin', '/dsml;x']) {
      const r = await refusedWith(send(bench, { path, headers: APP, body: SEARCH }), 404, 'path-not-allowed');
      assert.equal(r.body, 'not found\n', path);
    }
    await assertStillServes(bench);
  });

  it('refuses content types other than XML in UTF-8, and a missing one except on /dsml', async () => {
    await refusedWith(send(bench, { headers: { ...APP, 'content-type': 'application/json' }, body: SEARCH }), 415, 'content-type-refused');
    await refusedWith(send(bench, { headers: { ...APP, 'content-type': 'text/xml; charset=iso-8859-1' }, body: SEARCH }), 415, 'content-type-refused');
    await refusedWith(send(bench, { path: '/spml', headers: { 'x-dirgate-app': 'mobile-demo' }, body: SEARCH }), 415, 'content-type-refused');
    const noType = await send(bench, { headers: { 'x-dirgate-app': 'mobile-demo' }, body: SEARCH });
    assert.equal(noType.status, 200, 'the .NET DSML client sends no content type');
    const soap12 = await send(bench, { headers: { ...APP, 'content-type': 'application/soap+xml; charset=UTF-8' }, body: SEARCH });
    assert.equal(soap12.status, 200);
  });

  it('refuses a GET that carries a body', async () => {
    await refusedWith(send(bench, { method: 'GET', path: '/healthz', headers: { 'content-length': '1' }, body: 'x' }), 400, 'body-not-allowed');
    await refusedWith(send(bench, { method: 'GET', path: '/readyz', headers: { 'transfer-encoding': 'chunked' }, body: 'x' }), 400, 'body-not-allowed');
    await assertStillServes(bench);
  });

  it('refuses more header lines than the cap', async () => {
    const many = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`x-extra-${i}`, 'v']));
    await refusedWith(send(bench, { headers: { ...APP, ...many }, body: SEARCH }), 431, 'too-many-headers');
    await assertStillServes(bench);
  });

  it('refuses a request head larger than the cap', async () => {
    const before = bench.upstream.seen.length;
    const socket = await connectRaw(bench);
    const answer = readAll(socket);
    socket.write(`POST /dsml HTTP/1.1\r\nhost: 127.0.0.1\r\nx-dirgate-app: mobile-demo\r\nx-big: ${'a'.repeat(8192)}\r\n\r\n`);
    assert.match(await answer, /^HTTP\/1\.1 431 /);
    assert.equal(lastAudit(bench).reason, 'headers-too-large');
    assert.equal(bench.upstream.seen.length, before);
    await assertStillServes(bench);
  });

  it('refuses what is not HTTP', async () => {
    const socket = await connectRaw(bench);
    const answer = readAll(socket);
    socket.write('HELLO THERE\r\n\r\n');
    assert.match(await answer, /^HTTP\/1\.1 400 /);
    assert.equal(lastAudit(bench).reason, 'http-malformed');
    await assertStillServes(bench);
  });
});
