/**
 * The authenticated hop from the firewall to the gateway, both ends of it.
 *
 * The firewall signs every forwarded request with HMAC-SHA256 under the shared
 * `gateway.hopSecret`, over: a version tag, the method, the path with its query,
 * a millisecond timestamp, a random nonce (a UUID), the SHA-256 of the body, and the
 * headers the gateway trusts (the identity headers only the firewall sets, plus
 * the application, credentials, encryption request and content type). The body
 * digest is affordable because the firewall holds the whole body anyway (it is
 * screened before a byte is forwarded), and it means a signature seen on the
 * internal network cannot carry another payload. The nonce lets the gateway
 * refuse a replay inside the timestamp window.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

export const HOP_VERSION = 'v1';

export const HOP_HEADERS = {
  timestamp: 'x-dirgate-hop-timestamp',
  nonce: 'x-dirgate-hop-nonce',
  signature: 'x-dirgate-hop-signature',
} as const;

/** Identity the firewall vouches for; a client sending any of these has them removed. */
export const IDENTITY_HEADERS = {
  clientIp: 'x-dirgate-client-ip',
  clientCertSubject: 'x-dirgate-client-cert-subject',
  clientCertFingerprint: 'x-dirgate-client-cert-fingerprint',
  requestId: 'x-dirgate-request-id',
  /** How the firewall authenticated the application: `secret`, `certificate`, `secret+certificate` or `none`. */
  appAuth: 'x-dirgate-app-auth',
} as const;

/** Headers only the firewall may set: stripped from every client request. */
export const FIREWALL_ONLY_HEADERS: readonly string[] = [...Object.values(IDENTITY_HEADERS), ...Object.values(HOP_HEADERS)];

/** Every header the signature covers, in signing order. */
export const SIGNED_HEADERS: readonly string[] = [
  ...Object.values(IDENTITY_HEADERS),
  'x-dirgate-app',
  'x-dirgate-encrypt',
  'authorization',
  'content-type',
];

export interface HopParts {
  method: string;
  /** Path and query exactly as sent on the request line. */
  path: string;
  timestamp: string;
  nonce: string;
  body: Uint8Array;
  /** Lower-case header names; absent and empty sign alike. */
  header(name: string): string | undefined;
}

export function bodyDigest(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

export function canonicalHopString(parts: HopParts): string {
  const lines = [HOP_VERSION, parts.method.toUpperCase(), parts.path, parts.timestamp, parts.nonce, bodyDigest(parts.body)];
  for (const name of SIGNED_HEADERS) lines.push(`${name}:${parts.header(name) ?? ''}`);
  return lines.join('\n');
}

export function hopSignature(secret: string, parts: HopParts): string {
  return `${HOP_VERSION}=${createHmac('sha256', secret).update(canonicalHopString(parts)).digest('base64url')}`;
}

/** 122 random bits; randomUUID draws from a pooled entropy buffer, cheaper per call than randomBytes. */
export function newHopNonce(): string {
  return randomUUID();
}

/** Constant-time comparison of a presented signature with the expected one. */
export function signaturesMatch(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  // timingSafeEqual needs equal lengths; comparing b with itself keeps the time independent of where they differ.
  return a.length === b.length ? timingSafeEqual(a, b) : (timingSafeEqual(b, b), false);
}
