/**
 * Reads the TLS client certificate, when client certificates are asked for: a
 * certificate the client CA does not verify is refused rather than ignored; a
 * verified one becomes the forwarded identity (and the principal when the
 * request has no other credentials).
 */
import type { TLSSocket } from 'node:tls';
import type { Check } from '../context.js';
import { peerCertificate } from '../client-cert.js';
import { readCredentials } from '../credentials.js';
import { refuse } from '../refusal.js';

export const clientCertificate: Check = (ctx, fw) => {
  if (fw.clientCertificates) {
    const peer = peerCertificate(ctx.req.socket as TLSSocket);
    if (peer.presented && !peer.verified) refuse('client-cert-invalid');
    ctx.cert = peer.verified;
  }
  ctx.credentials = readCredentials(ctx.req.headers.authorization, ctx.cert?.subject);
};
