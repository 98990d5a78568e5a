/**
 * The client certificate of a TLS connection, when one was presented: whether
 * the configured client CA verified it, and if so its subject as an RFC 4514
 * string (most specific RDN first, non-printable and non-ASCII bytes hex-escaped
 * so it is safe in an HTTP header) and its SHA-256 fingerprint. Worked out once
 * per connection.
 */
import 'reflect-metadata';
import type { TLSSocket } from 'node:tls';
import * as x509 from '@peculiar/x509';

export interface CertIdentity { subject: string; fingerprint: string }
export interface PeerCertificate { presented: boolean; verified?: CertIdentity }

const SPECIAL = new Set(['"', '+', ',', ';', '<', '>', '\\']);

function escapeValue(value: string): string {
  let out = '';
  const bytes = Buffer.from(value, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const c = String.fromCharCode(b);
    const edge = (i === 0 && (c === ' ' || c === '#')) || (i === bytes.length - 1 && c === ' ');
    if (b < 0x20 || b >= 0x7f) out += `\\${b.toString(16).padStart(2, '0')}`;
    else if (SPECIAL.has(c) || edge) out += `\\${c}`;
    else out += c;
  }
  return out;
}

/** RFC 4514 string of a DER-encoded certificate's subject. */
export function subjectOf(der: Uint8Array): string {
  const rdns = new x509.X509Certificate(der).subjectName.toJSON();
  return rdns
    .slice()
    .reverse()
    .map((rdn) => Object.entries(rdn).flatMap(([type, values]) => values.map((v) => `${type}=${escapeValue(v)}`)).join('+'))
    .join(',');
}

const perConnection = new WeakMap<TLSSocket, PeerCertificate>();

export function peerCertificate(socket: TLSSocket): PeerCertificate {
  const known = perConnection.get(socket);
  if (known) return known;
  const cert = typeof socket.getPeerX509Certificate === 'function' ? socket.getPeerX509Certificate() : undefined;
  let result: PeerCertificate = { presented: false };
  if (cert) {
    result = { presented: true };
    if (socket.authorized) {
      try {
        result.verified = { subject: subjectOf(cert.raw), fingerprint: cert.fingerprint256 };
      } catch {
        // A certificate whose subject cannot be read is treated as not verified.
      }
    }
  }
  perConnection.set(socket, result);
  return result;
}
