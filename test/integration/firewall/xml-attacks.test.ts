import assert from 'node:assert/strict';
import { APP, assertStillServes, connectRaw, dsmlBatch, faultReason, lastAudit, readAll, send, startBench, type Bench } from './harness.js';

const MAX_BODY = 256 * 1024;

describe('firewall: hostile XML never reaches the gateway', () => {
  let bench: Bench;
  before(async () => { bench = await startBench({ firewall: { limits: { maxBodyBytes: MAX_BODY } } }); });
  after(() => bench?.close());

  async function refused(body: string | Buffer, status: number, reason: string): Promise<void> {
    const before = bench.upstream.seen.length;
    const reply = await send(bench, { headers: APP, body });
    assert.equal(reply.status, status);
    assert.match(reply.headers['content-type'] ?? '', /^text\/xml/);
    assert.match(reply.body, /<soap:Fault><faultcode>soap:Client<\/faultcode>/);
    assert.equal(faultReason(reply.body), reason);
    assert.equal(lastAudit(bench).reason, reason);
    assert.equal(lastAudit(bench).decision, 'deny');
    assert.equal(bench.upstream.seen.length, before, 'the gateway saw the request');
    await assertStillServes(bench);
  }

  it('refuses an external entity (XXE) and never reads the file', async () => {
    await refused('<?xml version="1.0"?><!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
      + dsmlBatch('<searchRequest dn="&xxe;" scope="baseObject" derefAliases="neverDerefAliases"><filter><present name="cn"/></filter></searchRequest>'), 400, 'xml-entity-refused');
  });

  it('refuses a parameter entity pointing outside', async () => {
    await refused('<?xml version="1.0"?><!DOCTYPE data [<!ENTITY % dtd SYSTEM "http://127.0.0.1:9/evil.dtd"> %dtd;]>' + dsmlBatch(''), 400, 'xml-entity-refused');
  });

  it('refuses entity expansion ("billion laughs")', async () => {
    const lol = ['<!ENTITY lol "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`)].join('');
    await refused(`<?xml version="1.0"?><!DOCTYPE lolz [${lol}]>${dsmlBatch('<searchRequest dn="cn=&lol9;,o=example"/>')}`, 400, 'xml-entity-refused');
  });

  it('refuses a plain DOCTYPE', async () => {
    await refused(`<!DOCTYPE soap:Envelope>${dsmlBatch('')}`, 400, 'xml-doctype-refused');
  });

  it('refuses 10 000-deep nesting', async () => {
    await refused(dsmlBatch(`<searchRequest dn="o=example"><filter>${'<and>'.repeat(10_000)}${'</and>'.repeat(10_000)}</filter></searchRequest>`), 400, 'xml-too-deep');
  });

  it('refuses malformed XML with a 400 SOAP Fault', async () => {
    await refused('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>', 400, 'xml-malformed');
  });

  it('refuses a body over the cap that declares its length, before reading it', async () => {
    await refused(dsmlBatch(`<searchRequest dn="o=example"><filter><present name="${'a'.repeat(MAX_BODY)}"/></filter></searchRequest>`), 413, 'body-too-large');
  });

  it('refuses a chunked body once it grows over the cap', async () => {
    const before = bench.upstream.seen.length;
    const socket = await connectRaw(bench);
    const answer = readAll(socket);
    socket.write('POST /dsml HTTP/1.1\r\nhost: 127.0.0.1\r\nx-dirgate-app: mobile-demo\r\ncontent-type: text/xml\r\ntransfer-encoding: chunked\r\n\r\n');
    const chunk = Buffer.from(`<!-- ${'x'.repeat(16 * 1024)} -->`);
    socket.write(`${dsmlBatch('').length.toString(16)}\r\n${dsmlBatch('')}\r\n`);
    for (let i = 0; i < 20; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    socket.end('0\r\n\r\n');
    const text = await answer;
    assert.match(text, /^HTTP\/1\.1 413 /);
    assert.equal(faultReason(text), 'body-too-large');
    assert.equal(lastAudit(bench).reason, 'body-too-large');
    assert.equal(bench.upstream.seen.length, before);
    await assertStillServes(bench);
  });
});
