/**
 * For applications with encryption: required, refuses a request that is neither
 * encrypted (the SOAP Body holds an xenc:EncryptedData) nor asks for encrypted
 * answers (X-Dirgate-Encrypt: ibe). Discovery is exempt: before it the client has
 * no key to encrypt with.
 */
import type { Check, RequestContext } from '../context.js';
import { normalizeDn, sameDn } from '../dn.js';
import { refuse } from '../refusal.js';

function isDiscovery(ctx: RequestContext): boolean {
  const ops = ctx.xml?.operations ?? [];
  const discovery = normalizeDn(`cn=${ctx.app!.policy.id},ou=applications,o=gateway`);
  return ops.length > 0 && ops.every((op) => {
    const dn = op.element === 'searchRequest' && op.dn !== undefined ? normalizeDn(op.dn) : undefined;
    return dn !== undefined && discovery !== undefined && sameDn(dn, discovery);
  });
}

export const encryptionRequired: Check = (ctx) => {
  if (ctx.app!.policy.encryption !== 'required' || ctx.xml?.encrypted) return;
  if (String(ctx.req.headers['x-dirgate-encrypt'] ?? '').trim().toLowerCase() === 'ibe') return;
  if (ctx.route!.kind === 'dsml' && isDiscovery(ctx)) return;
  refuse('encryption-required');
};
