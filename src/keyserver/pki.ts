/**
 * The key server's internal PKI for mutual TLS, made once under
 * <dataDir>/keyserver/tls/ when the configuration names no files: a CA, the
 * key server's certificate (127.0.0.1, ::1, localhost) and the gateway's client
 * certificate (CN=dirgate-gateway), ECDSA P-256. Private keys are written mode
 * 0600 in a 0700 folder; the CA key stays there so that `dirgate start` can
 * issue again, and an operator replaces the whole folder with their own PKI by
 * setting keyserver.tls and keyserver.clientTls.
 */
import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as x509 from '@peculiar/x509';

const crypto = webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1];
const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
const CA_DAYS = 3650;
const LEAF_DAYS = 825;

export const GATEWAY_CLIENT_NAME = 'dirgate-gateway';

export interface KeyServerPki {
  dir: string;
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
}

export function keyServerPkiFiles(dataDir: string): KeyServerPki {
  const dir = path.join(dataDir, 'keyserver', 'tls');
  return {
    dir,
    caFile: path.join(dir, 'ca.crt'),
    serverCertFile: path.join(dir, 'keyserver.crt'),
    serverKeyFile: path.join(dir, 'keyserver.key'),
    clientCertFile: path.join(dir, `${GATEWAY_CLIENT_NAME}.crt`),
    clientKeyFile: path.join(dir, `${GATEWAY_CLIENT_NAME}.key`),
  };
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f; // positive in DER
  return bytes.toString('hex');
}

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

interface Issuer { cert: x509.X509Certificate; keys: webcrypto.CryptoKeyPair }

async function makeCa(): Promise<Issuer> {
  const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: 'CN=dirgate internal CA',
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + CA_DAYS * DAY_MS),
    keys,
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
    ],
  }, crypto);
  return { cert, keys };
}

async function issue(ca: Issuer, commonName: string, usage: 'server' | 'client'): Promise<{ cert: string; key: string }> {
  const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const now = Date.now();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey, false, crypto),
  ];
  if (usage === 'server') {
    extensions.push(new x509.SubjectAlternativeNameExtension([
      { type: 'ip', value: '127.0.0.1' }, { type: 'ip', value: '::1' }, { type: 'dns', value: 'localhost' },
    ]));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${commonName}`,
    issuer: ca.cert.subject,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + LEAF_DAYS * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: KEY_ALGORITHM,
    extensions,
  }, crypto);
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}

/** Makes the internal PKI when its files are not there yet; returns where they are. */
export async function ensureKeyServerPki(dataDir: string): Promise<KeyServerPki & { created: boolean }> {
  const files = keyServerPkiFiles(dataDir);
  const all = [files.caFile, files.serverCertFile, files.serverKeyFile, files.clientCertFile, files.clientKeyFile];
  if ((await Promise.all(all.map(exists))).every(Boolean)) return { ...files, created: false };
  await mkdir(files.dir, { recursive: true, mode: 0o700 });
  const ca = await makeCa();
  const server = await issue(ca, 'dirgate key server', 'server');
  const client = await issue(ca, GATEWAY_CLIENT_NAME, 'client');
  await writeFile(path.join(files.dir, 'ca.key'), await keyPem(ca.keys.privateKey), { mode: 0o600 });
  await writeFile(files.caFile, ca.cert.toString('pem'), { mode: 0o644 });
  await writeFile(files.serverKeyFile, server.key, { mode: 0o600 });
  await writeFile(files.serverCertFile, server.cert, { mode: 0o644 });
  await writeFile(files.clientKeyFile, client.key, { mode: 0o600 });
  await writeFile(files.clientCertFile, client.cert, { mode: 0o644 });
  return { ...files, created: true };
}

export interface TlsFiles { certFile?: string; keyFile?: string; caFile?: string }
export interface TlsPem { cert: string; key: string; ca: string }

/** Reads configured files, falling back file by file to the internal PKI's. */
export async function readTlsPem(configured: TlsFiles, fallback: { certFile: string; keyFile: string; caFile: string }): Promise<TlsPem> {
  const [cert, key, ca] = await Promise.all([
    readFile(configured.certFile ?? fallback.certFile, 'utf8'),
    readFile(configured.keyFile ?? fallback.keyFile, 'utf8'),
    readFile(configured.caFile ?? fallback.caFile, 'utf8'),
  ]);
  return { cert, key, ca };
}
