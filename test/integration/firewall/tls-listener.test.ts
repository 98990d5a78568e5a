import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { silentLogger } from '../../../src/log.js';
import { startFirewall } from '../../../src/firewall/index.js';
import { APP, dsmlSearch, makeConfig, startUpstream, type Upstream } from './harness.js';

function handshake(port: number, ca: string, options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, ...options }, () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('firewall: TLS listener', () => {
  let upstream: Upstream;
  let dataDir: string;
  before(async () => {
    upstream = await startUpstream();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'dirgate-fw-tls-'));
  });
  after(async () => {
    await upstream?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('makes a self-signed pair under the data directory on first start, private key 0600, and reuses it', async () => {
    const config = makeConfig(upstream.url, { audit: { destination: 'off' } });
    const first = await startFirewall(config, { log: silentLogger(), dataDir });
    let certPem: string;
    try {
      certPem = await readFile(path.join(dataDir, 'tls', 'firewall.crt'), 'utf8');
      assert.equal((await stat(path.join(dataDir, 'tls', 'firewall.key'))).mode & 0o777, 0o600);
      assert.equal(first.fingerprint, new X509Certificate(certPem).fingerprint256);
      // The client trusts exactly this certificate: verification stays on.
      const socket = await handshake(first.port, certPem);
      assert.equal(socket.getPeerX509Certificate()?.fingerprint256, first.fingerprint);
      assert.equal(socket.getProtocol(), 'TLSv1.3');
      socket.destroy();
    } finally {
      await first.close();
    }
    const second = await startFirewall(config, { log: silentLogger(), dataDir });
    try {
      assert.equal(second.fingerprint, new X509Certificate(certPem).fingerprint256);
    } finally {
      await second.close();
    }
  });

  it('speaks TLS 1.2 to a client that offers no more, and nothing older', async () => {
    const config = makeConfig(upstream.url, { audit: { destination: 'off' } });
    const firewall = await startFirewall(config, { log: silentLogger(), dataDir });
    try {
      const ca = await readFile(path.join(dataDir, 'tls', 'firewall.crt'), 'utf8');
      const tls12 = await handshake(firewall.port, ca, { maxVersion: 'TLSv1.2' });
      assert.equal(tls12.getProtocol(), 'TLSv1.2');
      tls12.destroy();
      await assert.rejects(handshake(firewall.port, ca, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }));
    } finally {
      await firewall.close();
    }
  });

  it('writes one JSON line per decision to the audit file, without credentials or secrets', async () => {
    const logFile = path.join(dataDir, 'audit', 'audit.jsonl');
    const config = makeConfig(upstream.url, { audit: { destination: 'file', logFile } });
    const firewall = await startFirewall(config, { log: silentLogger(), dataDir });
    const ca = await readFile(path.join(dataDir, 'tls', 'firewall.crt'), 'utf8');
    const post = (headers: Record<string, string>) => new Promise<number>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: firewall.port, method: 'POST', path: '/dsml', headers, ca, agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
      req.on('error', reject);
      req.end(dsmlSearch('uid=alice,ou=people,o=example'));
    });
    try {
      assert.equal(await post({ ...APP, authorization: `Basic ${Buffer.from('alice:alice-pass').toString('base64')}`, 'x-dirgate-app-secret': 'very-secret' }), 200);
      assert.equal(await post({ 'x-dirgate-app': 'nobody' }), 200);
    } finally {
      await firewall.close();
    }
    const lines = (await readFile(logFile, 'utf8')).trim().split('\n');
    assert.equal(lines.length, 2);
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(events.map((e) => [e.decision, e.reason, e.principal]), [['allow', 'allowed', 'alice'], ['deny', 'app-unknown', null]]);
    for (const key of ['time', 'requestId', 'clientIp', 'app', 'endpoint', 'operation', 'dn', 'status']) assert.ok(key in events[0]!, key);
    assert.doesNotMatch(lines.join('\n'), /alice-pass|very-secret|YWxpY2U6YWxpY2UtcGFzcw/);
  });
});
