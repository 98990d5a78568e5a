import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Request, Response } from 'express';
import { createGatewayApp } from '../../../src/gateway/app.js';
import { hopAuth } from '../../../src/gateway/hop-auth.js';
import { silentLogger } from '../../../src/log.js';
import { MemoryAuditSink, startFirewall, type RunningFirewall } from '../../../src/firewall/index.js';
import { APP, HOP_SECRET, basic, dsmlSearch, makeConfig, makePki, type Pki } from './harness.js';

// End to end: the firewall in front of the gateway's own Express app, with the
// gateway verifying the hop. The DSML route here reports what it was given; the
// DSML engine itself is tested elsewhere.
describe('firewall in front of the gateway app: the hop is verified there', () => {
  let gateway: http.Server;
  let gatewayUrl: string;
  let firewall: RunningFirewall;
  let pki: Pki;
  const gatewayAudit = new MemoryAuditSink();
  const handled: Array<{ body: string; hop: unknown; headers: http.IncomingHttpHeaders }> = [];

  before(async () => {
    const app = createGatewayApp({
      log: silentLogger(),
      readiness: [],
      bodyLimit: 1024 * 1024,
      hopAuth: hopAuth({ secret: HOP_SECRET, maxBodyBytes: 1024 * 1024, audit: gatewayAudit }),
      routes: {
        dsml: (req: Request, res: Response) => {
          handled.push({ body: (req.body as Buffer).toString('utf8'), hop: (req as Request & { dirgateHop?: unknown }).dirgateHop, headers: req.headers });
          res.type('text/xml').send('<batchResponse xmlns="urn:oasis:names:tc:DSML:2:0:core"/>');
        },
      },
    });
    gateway = http.createServer(app);
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    pki = await makePki();
    firewall = await startFirewall(makeConfig(gatewayUrl, { tls: { certFile: pki.certFile, keyFile: pki.keyFile }, audit: { destination: 'off' } }), { log: silentLogger(), dataDir: pki.dir });
  });
  after(async () => {
    await firewall?.close();
    await new Promise<void>((resolve) => { gateway?.close(() => resolve()); gateway?.closeAllConnections(); });
    if (pki) await rm(pki.dir, { recursive: true, force: true });
  });

  it('serves a request that came through the firewall, with the body and the vouched identity', async () => {
    const body = dsmlSearch('uid=alice,ou=people,o=example');
    const reply = await new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: firewall.port, method: 'POST', path: '/dsml', headers: { ...APP, authorization: basic('alice', 'alice-pass') }, ca: pki.ca.certPem, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      });
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.body, '<batchResponse xmlns="urn:oasis:names:tc:DSML:2:0:core"/>');
    assert.equal(reply.headers['x-powered-by'], undefined);
    const seen = handled.at(-1)!;
    assert.equal(seen.body, body);
    assert.deepEqual(seen.hop, { requestId: reply.headers['x-dirgate-request-id'], clientIp: '127.0.0.1', clientCertSubject: undefined, clientCertFingerprint: undefined, appAuth: 'none' });
  });

  it('refuses the same request sent straight to the gateway port, with 403 and hop-unsigned', async () => {
    const before = handled.length;
    const direct = await fetch(`${gatewayUrl}/dsml`, { method: 'POST', headers: { ...APP, 'x-dirgate-client-ip': '10.0.0.1' }, body: dsmlSearch('uid=alice,ou=people,o=example') });
    assert.equal(direct.status, 403);
    assert.equal(await direct.text(), 'forbidden\n');
    assert.equal(handled.length, before);
    assert.deepEqual([gatewayAudit.events.at(-1)?.reason, gatewayAudit.events.at(-1)?.decision], ['hop-unsigned', 'deny']);
  });

  it('refuses a forged signature and a replay of a genuine one', async () => {
    const before = handled.length;
    const forged = await fetch(`${gatewayUrl}/dsml`, {
      method: 'POST',
      headers: { ...APP, 'x-dirgate-hop-timestamp': String(Date.now()), 'x-dirgate-hop-nonce': 'n', 'x-dirgate-hop-signature': 'v1=AAAA' },
      body: '<batchRequest/>',
    });
    assert.equal(forged.status, 403);
    assert.equal(gatewayAudit.events.at(-1)?.reason, 'hop-bad-signature');
    // A request the firewall really signed, captured on the internal network and sent again.
    const genuine = handled.at(-1)!;
    const headers = Object.fromEntries(Object.entries(genuine.headers).filter(([n]) => !['host', 'connection', 'content-length'].includes(n))) as Record<string, string>;
    const replay = await fetch(`${gatewayUrl}/dsml`, { method: 'POST', headers, body: genuine.body });
    assert.equal(replay.status, 403);
    assert.equal(gatewayAudit.events.at(-1)?.reason, 'hop-replayed');
    assert.equal(handled.length, before);
  });
});
