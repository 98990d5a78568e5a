/**
 * A throw-away certificate authority for tests: ECDSA P-256 keys made with
 * WebCrypto, certificates made with @peculiar/x509, everything as PEM so it can
 * be written to files for servers (slapd, the firewall) or handed to Node's TLS
 * options. Tests trust this CA explicitly; TLS verification is never turned off.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs this polyfill.
import 'reflect-metadata';
import { webcrypto, randomBytes } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface TestCa {
  certPem: string;
  keyPem: string;
  /** The CA's certificate and key, for issuing. */
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
}

export interface IssuedCert {
  certPem: string;
  keyPem: string;
  /** Certificate followed by the CA certificate. */
  chainPem: string;
  serialNumber: string;
}

export interface IssueOptions {
  commonName: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Adds the clientAuth extended key usage (client certificates for mutual TLS). */
  clientAuth?: boolean;
  /** Leaves serverAuth out (a certificate only fit for clients). */
  serverAuth?: boolean;
  /** Days of validity from now; negative makes an already expired certificate. */
  validDays?: number;
  /** Extra subject attributes after CN, e.g. `O=dirgate tests`. */
  subjectSuffix?: string;
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

function generateKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
}

function serial(): string {
  // Positive, 16 bytes: clear the top bit so DER does not read it as negative.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

// Distinguished-name values in the tests are plain words; refuse anything that
// would need escaping rather than escape it.
function dnValue(value: string): string {
  if (!/^[\w .@-]+$/.test(value)) throw new Error(`unsupported characters in test certificate name: ${value}`);
  return value;
}

export async function makeTestCa(options: { commonName?: string; validDays?: number } = {}): Promise<TestCa> {
  const keys = await generateKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${dnValue(options.commonName ?? 'dirgate test CA')}, O=dirgate tests`,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + (options.validDays ?? 30) * DAY_MS),
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportKeyPem(keys.privateKey), cert, keys };
}

export async function issueCert(ca: TestCa, options: IssueOptions): Promise<IssuedCert> {
  const keys = await generateKeys();
  const now = Date.now();
  const validDays = options.validDays ?? 30;
  const names: x509.JsonGeneralName[] = [
    ...(options.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const usages: string[] = [];
  if (options.serverAuth !== false) usages.push(x509.ExtendedKeyUsage.serverAuth);
  if (options.clientAuth) usages.push(x509.ExtendedKeyUsage.clientAuth);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
    new x509.ExtendedKeyUsageExtension(usages, false),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  const serialNumber = serial();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber,
    subject: `CN=${dnValue(options.commonName)}${options.subjectSuffix ? `, ${options.subjectSuffix}` : ''}`,
    issuer: ca.cert.subject,
    notBefore: new Date(now - DAY_MS + Math.min(0, validDays) * DAY_MS),
    notAfter: new Date(now + validDays * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions,
  });
  const certPem = cert.toString('pem');
  return { certPem, keyPem: await exportKeyPem(keys.privateKey), chainPem: `${certPem}\n${ca.certPem}\n`, serialNumber };
}
