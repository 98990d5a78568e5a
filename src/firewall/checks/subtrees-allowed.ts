/**
 * Refuses an operation naming a DN outside the application's access.subtrees
 * and outside o=gateway. A rename without newSuperior lands beside the entry, so
 * its parent must be allowed too. A DN that does not parse is outside everything.
 * SPML identifiers are DNs in the DSML profile unless the target gives its
 * objects server-made ids (entryUUID): an identifier without `=` is such an
 * opaque id, which only the gateway can resolve, so its rules decide.
 */
import type { Check } from '../context.js';
import { GATEWAY_SUBTREE } from '../applications.js';
import { isUnder, normalizeDn } from '../dn.js';
import { refuse } from '../refusal.js';

export const subtreesAllowed: Check = (ctx) => {
  const subtrees = [GATEWAY_SUBTREE, ...ctx.app!.subtrees];
  for (const [i, op] of (ctx.xml?.operations ?? []).entries()) {
    const named = [op.dn, op.newSuperior, ...op.ids.filter((id) => id.includes('='))].filter((d): d is string => d !== undefined);
    for (const dn of named) {
      const parsed = normalizeDn(dn);
      const moves = op.element === 'modDNRequest' && op.newSuperior === undefined && dn === op.dn;
      const target = parsed && moves ? parsed.slice(1) : parsed;
      if (!target || !subtrees.some((s) => isUnder(target, s))) refuse('subtree-not-allowed', { operation: ctx.operations[i], dn });
    }
  }
};
