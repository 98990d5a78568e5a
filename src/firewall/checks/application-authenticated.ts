/**
 * Authenticates the application when the registry gives it a secret, a client
 * certificate subject, or both (then both must pass). The secret leaves no
 * further than here: the gateway is told how the application was authenticated
 * (X-Dirgate-App-Auth, signed), never the secret itself.
 */
import type { Check } from '../context.js';
import { sameDn, normalizeDn } from '../dn.js';
import { refuse } from '../refusal.js';

export const applicationAuthenticated: Check = async (ctx, fw) => {
  const app = ctx.app!;
  const ways: string[] = [];
  if (app.policy.secretHash) {
    const presented = ctx.req.headers['x-dirgate-app-secret'];
    const ok = await fw.secrets.verify(app.policy.id, app.policy.secretHash, typeof presented === 'string' ? presented : undefined);
    if (!ok) refuse('app-secret-invalid');
    ways.push('secret');
  }
  if (app.certSubject) {
    const subject = ctx.cert ? normalizeDn(ctx.cert.subject) : undefined;
    if (!subject || !sameDn(subject, app.certSubject)) refuse('app-cert-mismatch');
    ways.push('certificate');
  }
  ctx.appAuth = ways.length ? ways.join('+') : 'none';
};
