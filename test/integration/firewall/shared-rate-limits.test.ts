/**
 * Two firewall replicas with `rateLimits.store: redis`, pointed at one real
 * redis-server started for this file on a free loopback port (Debian's
 * redis-server package; .ci/run installs it): one login budget for both, and
 * limits that keep working in memory when Redis goes away.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { APP, basic, dsmlSearch, faultReason, lastAudit, send, startBench, type Bench } from './harness.js';

const LOGIN = dsmlSearch('ou=sessions,o=gateway');
const PREFIX = 'fw-shared-test';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

interface RedisServer { url: string; stop(): Promise<void> }

async function startRedis(): Promise<RedisServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dirgate-redis-'));
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('Ready to accept connections')) {
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`)));
  });
  child.stdout!.resume();
  let stopped: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}/0`,
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          await exited;
        }
        await rm(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

function login(bench: Bench, user: string) {
  return send(bench, { headers: { ...APP, authorization: basic(user, 'wrong-guess') }, body: LOGIN });
}

describe('firewall: rate limits shared through Redis', () => {
  let redis: RedisServer;
  let inspector: Redis;
  let first: Bench;
  let second: Bench;

  /** Sends logins for a throw-away user until Redis holds its count: the replica's connection is up. */
  async function untilConnected(bench: Bench, name: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const user = `probe-${name}-${i}`;
      assert.equal((await login(bench, user)).status, 200);
      if (await inspector.exists(`${PREFIX}-loginPerPrincipal:${user}`)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.fail(`firewall ${name} never counted in Redis`);
  }

  before(async () => {
    redis = await startRedis();
    inspector = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    const firewall = {
      rateLimits: {
        store: { type: 'redis', url: redis.url, keyPrefix: PREFIX },
        loginPerPrincipal: { points: 3, durationSeconds: 60, blockSeconds: 120 },
      },
    };
    first = await startBench({ firewall });
    second = await startBench({ firewall, pki: first.pki });
    await untilConnected(first, 'first');
    await untilConnected(second, 'second');
  });

  after(async () => {
    await first?.close();
    await second?.close();
    inspector?.disconnect();
    await redis?.stop();
  });

  it('gives two replicas one login budget: the second answers 429 once the first used it', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await login(first, 'alice')).status, 200);
    const flood = await login(second, 'alice');
    assert.equal(flood.status, 429);
    assert.equal(faultReason(flood.body), 'login-rate-limited');
    assert.ok(Number(flood.headers['retry-after']) > 60, `Retry-After ${flood.headers['retry-after']} (the 120 s block)`);
    assert.deepEqual([lastAudit(second).reason, lastAudit(second).principal], ['login-rate-limited', 'alice']);
    assert.equal((await login(first, 'ALICE')).status, 429);
    // Another user's budget is untouched on either replica.
    assert.equal((await login(second, 'bob')).status, 200);
    assert.equal((await login(first, 'bob')).status, 200);
  });

  it('keeps serving and keeps limiting, each replica in memory, when Redis is gone', async () => {
    await redis.stop();
    for (let i = 0; i < 3; i++) assert.equal((await login(first, 'carol')).status, 200);
    const flood = await login(first, 'carol');
    assert.equal(flood.status, 429);
    assert.equal(faultReason(flood.body), 'login-rate-limited');
    // Without the shared store the other replica has its own count.
    assert.equal((await login(second, 'carol')).status, 200);
    assert.equal((await send(first, { method: 'GET', path: '/healthz' })).status, 200);
  });
});
