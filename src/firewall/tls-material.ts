/**
 * The listener's certificate and key: from the configured files, or, when none
 * are configured, a self-signed ECDSA P-256 pair made once under <dataDir>/tls/
 * (key file mode 0600) and reused on later starts. The SHA-256 fingerprint is
 * logged so a user can pin or compare it.
 */
import 'reflect-metadata';
import { webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
import { mkdir, readFile, writeFile, access } from 'node:fs/promises';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import type { Logger } from '../log.js';
import { DirgateError } from '../errors.js';
import type { FirewallSettings } from './settings.js';

export interface TlsMaterial {
  cert: string;
  key: string;
  /** Client CA bundle, when client certificates are asked for. */
  clientCa?: string;
  /** SHA-256 fingerprint of the leaf certificate, colon-separated hex. */
  fingerprint: string;
  selfSigned: boolean;
}

const SELF_SIGNED_DAYS = 825;

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}

async function readPem(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new DirgateError('ERR_CONFIG_INVALID', `firewall.tls: the ${what} file cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
  }
}

/** Makes a self-signed pair for 127.0.0.1, ::1 and localhost. */
export async function createSelfSignedPair(commonName = 'dirgate firewall'): Promise<{ cert: string; key: string }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const notBefore = new Date(Date.now() - 60_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1'),
    name: `CN=${commonName}`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + SELF_SIGNED_DAYS * 86_400_000),
    signingAlgorithm: algorithm,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
        { type: 'dns', value: 'localhost' },
      ]),
    ],
  }, webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1]);
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const key = x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
  return { cert: cert.toString('pem'), key };
}

export function fingerprintOf(certPem: string): string {
  return new NodeX509(certPem).fingerprint256;
}

export async function loadTlsMaterial(settings: FirewallSettings['tls'], dataDir: string, log: Logger): Promise<TlsMaterial> {
  const clientCa = settings.clientCaFile ? await readPem(settings.clientCaFile, 'client CA') : undefined;
  if (settings.certFile && settings.keyFile) {
    const cert = await readPem(settings.certFile, 'certificate');
    const key = await readPem(settings.keyFile, 'key');
    return { cert, key, clientCa, fingerprint: fingerprintOf(cert), selfSigned: false };
  }
  const dir = path.join(dataDir, 'tls');
  const certFile = path.join(dir, 'firewall.crt');
  const keyFile = path.join(dir, 'firewall.key');
  let created = false;
  if (!(await exists(certFile)) || !(await exists(keyFile))) {
    const pair = await createSelfSignedPair();
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(keyFile, pair.key, { mode: 0o600 });
    await writeFile(certFile, pair.cert, { mode: 0o644 });
    created = true;
  }
  const cert = await readFile(certFile, 'utf8');
  const key = await readFile(keyFile, 'utf8');
  const fingerprint = fingerprintOf(cert);
  log.warn(created ? 'firewall: made a self-signed TLS certificate' : 'firewall: using the self-signed TLS certificate', {
    certFile,
    sha256Fingerprint: fingerprint,
    howToChange: 'set firewall.tls.certFile and firewall.tls.keyFile',
  });
  return { cert, key, clientCa, fingerprint, selfSigned: true };
}
