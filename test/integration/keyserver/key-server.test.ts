import assert from 'node:assert/strict';
import { randomBytes, webcrypto } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Agent, request } from 'undici';
import winston from 'winston';
import { buildIdentity, loadIbe } from '../../../src/ibe/index.js';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import {
  cachedRevocationStore, createKeyServerClient, ensureKeyServerPki, keyServerClientFromSettings, memoryRevocationStore, readTlsPem, startKeyServer,
  type KeyServer, type KeyServerClient, type KeyServerSettings, type TlsPem,
} from '../../../src/keyserver/index.js';
import { issueCert, makeTestCa } from '../../helpers/test-ca.js';

const KEK = randomBytes(32).toString('hex');

function settings(overrides: Partial<KeyServerSettings> = {}): KeyServerSettings {
  return {
    host: '127.0.0.1', port: 0, kek: KEK, ibe: { backend: 'mcl', workers: 1 }, tls: {}, clients: ['dirgate-gateway'], clientTls: {},
    maxIdentityLifetimeSeconds: 86_400, revocations: { cacheMs: 0, purgeIntervalSeconds: 3600 }, ...overrides,
  };
}

function capturingLogger(lines: string[]): winston.Logger {
  const stream = new Writable({ write(chunk, _encoding, done) { lines.push(String(chunk)); done(); } });
  return winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
}

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;
const sessionIdentity = (expiresAt = inAnHour()) => buildIdentity({ app: 'mobile-demo', sessionId: `s-${randomBytes(6).toString('hex')}`, expiresAt });

describe('the IBE key server over mutual TLS', () => {
  let dataDir: string;
  let server: KeyServer;
  let client: KeyServerClient;
  let serverTls: TlsPem;
  let gatewayTls: TlsPem;
  const logLines: string[] = [];

  /** A caller with the CA but no client certificate, or with the one given. */
  async function call(method: 'GET' | 'POST', route: string, body?: unknown, cert?: { cert: string; key: string }) {
    const dispatcher = new Agent({ connect: { ca: serverTls.ca, ...(cert ?? {}) } });
    try {
      const res = await request(`${server.url}${route}`, {
        dispatcher, method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.statusCode, json: await res.body.json() as Record<string, unknown> };
    } finally {
      await dispatcher.close();
    }
  }

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'dirgate-keyserver-'));
    const pki = await ensureKeyServerPki(dataDir);
    serverTls = await readTlsPem({}, { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile, caFile: pki.caFile });
    gatewayTls = await readTlsPem({}, { certFile: pki.clientCertFile, keyFile: pki.clientKeyFile, caFile: pki.caFile });
    server = await startKeyServer(settings(), {
      dataDir, log: capturingLogger(logLines), tls: serverTls,
      revocations: cachedRevocationStore(memoryRevocationStore(), { cacheMs: 0 }),
    });
    client = createKeyServerClient({ url: server.url, ...gatewayTls });
  });
  after(async () => {
    await client?.close();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('publishes its parameters to anyone', async () => {
    const { status, json } = await call('GET', '/v1/params');
    assert.equal(status, 200);
    assert.equal(json.suite, 'urn:dirgate:ibe:bf-bls12381:v1');
    assert.equal(json.dst, 'DIRGATE-V1-IBE_BLS12381G1_XMD:SHA-256_SSWU_RO_');
    assert.equal(Buffer.from(json.masterPublicKey as string, 'base64').length, 96);
    assert.deepEqual((await client.params()).masterPublicKey, Uint8Array.from(server.masterPublicKey));
  });

  it('extracts a key the client can verify against the master public key', async () => {
    const identity = sessionIdentity();
    const key = Buffer.from(await client.extract(identity), 'base64');
    assert.equal(key.length, 48);
    const ibe = await loadIbe('noble');
    assert.equal(ibe.verifyIdentityKey(server.masterPublicKey, identity, key), true);
    assert.equal(ibe.verifyIdentityKey(server.masterPublicKey, sessionIdentity(), key), false);
  });

  it('answers callers without a client certificate with 401', async () => {
    for (const route of ['/v1/extract', '/v1/revoke']) {
      const { status, json } = await call('POST', route, { identity: sessionIdentity() });
      assert.equal(status, 401, route);
      assert.equal(json.error, 'client-certificate-required');
    }
  });

  it('answers a client certificate from another CA with 401, and one of another name with 403', async () => {
    const otherCa = await makeTestCa({ commonName: 'other CA' });
    const stranger = await issueCert(otherCa, { commonName: 'dirgate-gateway', clientAuth: true, serverAuth: false });
    assert.equal((await call('POST', '/v1/extract', { identity: sessionIdentity() }, { cert: stranger.certPem, key: stranger.keyPem })).status, 401);

    // The same CA, but a name not in keyserver.clients: issued with the internal CA's key.
    const caKey = await readFile(path.join(dataDir, 'keyserver', 'tls', 'ca.key'), 'utf8');
    const internalCa = await caFromPem(serverTls.ca, caKey);
    const other = await issueCert(internalCa, { commonName: 'someone-else', clientAuth: true, serverAuth: false });
    const { status, json } = await call('POST', '/v1/extract', { identity: sessionIdentity() }, { cert: other.certPem, key: other.keyPem });
    assert.equal(status, 403);
    assert.equal(json.error, 'client-not-allowed');
  });

  it('refuses an identity whose expiry has passed', async () => {
    const expired = sessionIdentity(Math.floor(Date.now() / 1000) - 1);
    await assert.rejects(client.extract(expired), { code: 'ERR_AUTHENTICATION_FAILED', reason: 'identity-expired' });
  });

  it('refuses an identity that would live longer than allowed', async () => {
    const tooLong = sessionIdentity(Math.floor(Date.now() / 1000) + 2 * 86_400);
    await assert.rejects(client.extract(tooLong), { code: 'ERR_INTERNAL', reason: 'keyserver-identity-lifetime-too-long' });
  });

  it('refuses a revoked identity from the moment the revocation returned', async () => {
    const identity = sessionIdentity();
    await client.extract(identity);
    await client.revoke(identity);
    await assert.rejects(client.extract(identity), { code: 'ERR_AUTHENTICATION_FAILED', reason: 'identity-revoked' });
  });

  it('refuses malformed identities and an expiry that contradicts the identity', async () => {
    await assert.rejects(client.extract('alice'), { code: 'ERR_MALFORMED_REQUEST', reason: 'identity-malformed' });
    const expiresAt = inAnHour();
    await assert.rejects(client.extract(sessionIdentity(expiresAt), (expiresAt + 60) * 1000), { code: 'ERR_MALFORMED_REQUEST', reason: 'expiry-mismatch' });
    assert.equal(typeof await client.extract(sessionIdentity(expiresAt), expiresAt * 1000), 'string');
  });

  it('keeps the master secret sealed in a 0600 file', async () => {
    const file = path.join(dataDir, 'keyserver', 'master.sealed');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const sealed = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
    assert.equal(sealed.masterPublicKey, Buffer.from(server.masterPublicKey).toString('base64'));
    assert.equal(Buffer.from(sealed.sealed!, 'base64').length, 12 + 32 + 16);
  });

  it('never logs identities, keys or the master secret', async () => {
    const identity = sessionIdentity();
    const key = await client.extract(identity);
    await client.revoke(identity);
    await client.extract(identity).catch(() => undefined);
    const secret = identity.split(':')[4]!;
    const all = logLines.join('\n');
    assert.ok(all.includes('identity-revoked'), 'refusals are logged with their reason');
    for (const forbidden of [identity, secret, key]) assert.ok(!all.includes(forbidden), 'a secret reached the log');
    const sealed = JSON.parse(await readFile(path.join(dataDir, 'keyserver', 'master.sealed'), 'utf8')) as { sealed: string };
    assert.ok(!all.includes(sealed.sealed));
  });

  it('opens the same master key again with the same KEK, and refuses to start with another', async () => {
    const again = await startKeyServer(settings(), { dataDir, log: capturingLogger([]), tls: serverTls, revocations: memoryRevocationStore() });
    try {
      assert.deepEqual(Buffer.from(again.masterPublicKey), Buffer.from(server.masterPublicKey));
    } finally {
      await again.close();
    }
    await assert.rejects(
      startKeyServer(settings({ kek: randomBytes(32).toString('hex') }), { dataDir, log: capturingLogger([]), tls: serverTls, revocations: memoryRevocationStore() }),
      { name: 'MasterKeyError', message: /key-encryption key does not open .*master\.sealed.*DIRGATE_KEYSERVER_KEK/ },
    );
    await assert.rejects(
      startKeyServer(settings({ kek: undefined }), { dataDir, log: capturingLogger([]), tls: serverTls, revocations: memoryRevocationStore() }),
      { name: 'MasterKeyError', message: /needs a key-encryption key: set DIRGATE_KEYSERVER_KEK/ },
    );
  });

  it('gives up on a key server that never answers after gateway.keyserverTimeoutMs, with an internal error', async function () {
    // Well inside mocha's limit only if the configured 300 ms applies, not the 5 s default.
    this.timeout(3000);
    const silent: TlsServer = createTlsServer({ cert: serverTls.cert, key: serverTls.key, ca: serverTls.ca, requestCert: true }, () => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const config = {
      dataDir, keyserver: {}, gateway: { host: '127.0.0.1', port: 0, keyserverUrl: `https://127.0.0.1:${port}`, keyserverTimeoutMs: 300 },
    } as unknown as Parameters<typeof keyServerClientFromSettings>[0];
    const slow = await keyServerClientFromSettings(config);
    try {
      await assert.rejects(slow.extract(sessionIdentity()), (err: unknown) =>
        (err as { code?: string }).code === 'ERR_INTERNAL' && (err as { reason?: string }).reason === 'keyserver-unreachable');
    } finally {
      await slow.close();
      silent.close();
    }
  });
});

/** The internal CA as test-ca's issuer, from its PEM files. */
async function caFromPem(certPem: string, keyPem: string) {
  const x509 = await import('@peculiar/x509');
  const cert = new x509.X509Certificate(certPem);
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' };
  const privateKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(keyPem), algorithm, true, ['sign']);
  const publicKey = await cert.publicKey.export(algorithm, ['verify'], webcrypto as unknown as Parameters<typeof cert.publicKey.export>[2]);
  return { certPem, keyPem, cert, keys: { privateKey, publicKey } as webcrypto.CryptoKeyPair };
}
