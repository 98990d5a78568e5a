import assert from 'node:assert/strict';
import { assertStillServes, connectRaw, dsmlSearch, faultReason, readAll, startBench, type Bench } from './harness.js';

// Short limits so the test does not wait long; the assertions are on outcomes, never on durations.
const LIMITS = { headersTimeoutMs: 400, bodyTimeoutMs: 400, requestTimeoutMs: 2000 };

describe('firewall: slow clients are cut off', () => {
  let bench: Bench;
  before(async () => { bench = await startBench({ firewall: { limits: LIMITS } }); });
  after(() => bench?.close());

  it('answers 408 to a client whose head never finishes (slowloris) and audits slow-client', async () => {
    const before = bench.upstream.seen.length;
    const socket = await connectRaw(bench);
    const answer = readAll(socket);
    socket.write('POST /dsml HTTP/1.1\r\nhost: 127.0.0.1\r\nx-dirgate-app: mobile-demo\r\n');
    // ...and nothing more: the server must end the connection on its own.
    const text = await answer;
    assert.match(text, /^HTTP\/1\.1 408 /);
    assert.equal(bench.audit.events.at(-1)?.reason, 'slow-client');
    assert.equal(bench.upstream.seen.length, before);
    await assertStillServes(bench);
  });

  it('answers 408 with a SOAP Fault to a client whose body stalls, and forwards nothing of it', async () => {
    const before = bench.upstream.seen.length;
    const socket = await connectRaw(bench);
    const answer = readAll(socket);
    const body = dsmlSearch('uid=alice,ou=people,o=example');
    socket.write(`POST /dsml HTTP/1.1\r\nhost: 127.0.0.1\r\nx-dirgate-app: mobile-demo\r\ncontent-type: text/xml\r\ncontent-length: ${body.length}\r\n\r\n`);
    socket.write(body.slice(0, 40));
    const text = await answer;
    assert.match(text, /^HTTP\/1\.1 408 /);
    assert.equal(faultReason(text), 'slow-client');
    const audit = bench.audit.events.at(-1);
    assert.deepEqual([audit?.reason, audit?.endpoint, audit?.status], ['slow-client', '/dsml', 408]);
    assert.equal(bench.upstream.seen.length, before);
    socket.destroy();
    await assertStillServes(bench);
  });
});
