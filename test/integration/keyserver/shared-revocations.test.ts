import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildIdentity } from '../../../src/ibe/index.js';
import {
  cachedRevocationStore, createKeyServerClient, ensureKeyServerPki, identityHash, ldapRevocationStore, readTlsPem, type KeyServerClient,
} from '../../../src/keyserver/index.js';
import { Client } from 'ldapts';
import { startSlapd, type Slapd } from '../../helpers/slapd.js';
import { openTestSource } from '../../helpers/ldap-source.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const DIRGATE_SCHEMA = path.resolve(here, '../../../schemas/ldap/dirgate.ldif');
const SUFFIX = 'dc=corp,dc=example';
const PROFILE = `ou=dirgate,${SUFFIX}`;
const CONTAINER = `ou=ibe-revocations,${PROFILE}`;

const identity = (expiresAt = Math.floor(Date.now() / 1000) + 3600) =>
  buildIdentity({ app: 'mobile-demo', sessionId: `s-${randomBytes(6).toString('hex')}`, expiresAt });

interface Child { process: ChildProcess; url: string }

async function startKeyServerProcess(env: Record<string, unknown>): Promise<Child> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', tsx, path.join(here, 'keyserver-process.ts')], {
    env: { ...process.env, DIRGATE_TEST_KEYSERVER: JSON.stringify(env) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`key server process exited with ${code}: ${stderr}`)));
  });
  return { process: child, url };
}

async function stop(child: Child | undefined): Promise<void> {
  if (!child || child.process.exitCode !== null) return;
  const exited = new Promise((resolve) => child.process.once('exit', resolve));
  child.process.kill('SIGTERM');
  await exited;
}

describe('key servers sharing one revocation store in LDAP (real slapd)', () => {
  let slapd: Slapd;
  let dataDir: string;
  let first: Child;
  let second: Child;
  let viaFirst: KeyServerClient;
  let viaSecond: KeyServerClient;

  before(async () => {
    slapd = await startSlapd({ suffix: SUFFIX, extraSchemas: [DIRGATE_SCHEMA] });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'dirgate-keyservers-'));
    const pki = await ensureKeyServerPki(dataDir);
    const env = {
      dataDir, kek: randomBytes(32).toString('hex'), cacheMs: 0, container: CONTAINER,
      ldap: { url: slapd.url, bindDn: slapd.rootDn, password: slapd.rootPassword, baseDn: SUFFIX },
    };
    // The first creates and seals the master key; the second opens the same file.
    first = await startKeyServerProcess(env);
    second = await startKeyServerProcess(env);
    const tls = await readTlsPem({}, { certFile: pki.clientCertFile, keyFile: pki.clientKeyFile, caFile: pki.caFile });
    viaFirst = createKeyServerClient({ url: first.url, ...tls });
    viaSecond = createKeyServerClient({ url: second.url, ...tls });
  });
  after(async () => {
    await viaFirst?.close();
    await viaSecond?.close();
    await stop(first);
    await stop(second);
    await slapd?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('serve the same master key', async () => {
    assert.deepEqual((await viaFirst.params()).masterPublicKey, (await viaSecond.params()).masterPublicKey);
    const id = identity();
    assert.equal(await viaFirst.extract(id), await viaSecond.extract(id));
  });

  it('refuse on one an identity revoked through the other', async () => {
    const id = identity();
    await viaFirst.extract(id);
    await viaSecond.revoke(id);
    await assert.rejects(viaFirst.extract(id), { code: 'ERR_AUTHENTICATION_FAILED', reason: 'identity-revoked' });
    await assert.rejects(viaSecond.extract(id), { code: 'ERR_AUTHENTICATION_FAILED', reason: 'identity-revoked' });
  });

  describe('the LDAP store itself', () => {
    it('keeps one entry per identity hash, never the identity, and purges those past their expiry', async () => {
      const source = openTestSource({ url: slapd.url, bindDn: slapd.rootDn, password: slapd.rootPassword, baseDn: SUFFIX });
      let now = Date.now();
      const store = ldapRevocationStore(source, { baseDn: CONTAINER, clock: () => now });
      try {
        const shortLived = identity(Math.floor(now / 1000) + 60);
        const longLived = identity(Math.floor(now / 1000) + 7200);
        await store.revoke(shortLived, Math.floor(now / 1000) + 60);
        await store.revoke(shortLived, Math.floor(now / 1000) + 60); // twice is fine
        await store.revoke(longLived, Math.floor(now / 1000) + 7200);
        assert.equal(await store.isRevoked(shortLived), true);
        assert.equal(await store.isRevoked(identity()), false);
        const reader = new Client({ url: slapd.url });
        try {
          await reader.bind(slapd.rootDn, slapd.rootPassword);
          const { searchEntries } = await reader.search(`cn=${identityHash(shortLived)},${CONTAINER}`, { scope: 'base' });
          assert.equal(searchEntries.length, 1);
          const stored = JSON.stringify(searchEntries[0]);
          assert.ok(!stored.includes(shortLived.split(':')[4]!), 'the identity\'s secret is not stored');
          assert.equal(searchEntries[0]!.dirgateExpiresAt, String((Math.floor(now / 1000) + 60) * 1000));
        } finally {
          await reader.unbind();
        }
        now += 120_000;
        assert.ok(await store.purgeExpired() >= 1);
        assert.equal(await store.isRevoked(shortLived), false);
        assert.equal(await store.isRevoked(longLived), true);
      } finally {
        await source.close();
      }
    });

    it('sees, through its cache, a revocation made elsewhere once the cached answer is older than cacheMs', async () => {
      const reader = openTestSource({ url: slapd.url, bindDn: slapd.rootDn, password: slapd.rootPassword, baseDn: SUFFIX });
      const writer = openTestSource({ url: slapd.url, bindDn: slapd.rootDn, password: slapd.rootPassword, baseDn: SUFFIX });
      let now = 1_000_000;
      const cached = cachedRevocationStore(ldapRevocationStore(reader, { baseDn: CONTAINER }), { cacheMs: 1000, clock: () => now });
      const elsewhere = ldapRevocationStore(writer, { baseDn: CONTAINER });
      try {
        const id = identity();
        assert.equal(await cached.isRevoked(id), false);
        await elsewhere.revoke(id, Math.floor(Date.now() / 1000) + 3600);
        now += 999;
        assert.equal(await cached.isRevoked(id), false, 'within cacheMs the cached answer may still be used');
        now += 1;
        assert.equal(await cached.isRevoked(id), true, 'at cacheMs the store is read again');
      } finally {
        await reader.close();
        await writer.close();
      }
    });
  });
});
