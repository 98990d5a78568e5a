/**
 * DSML authRequest: proxied authorisation for the rest of a batch. The
 * principal is an authzId as RFC 4513 writes it (`dn:<DN>` or `u:<user name>`).
 * Only a caller whose rules let them write everywhere (an administrator) may
 * act as someone else, and only as a user the view knows; the batch then runs
 * with that user's rights, not the caller's.
 */
import type { OperationContext, Principal } from '../directory/model.js';
import type { VirtualDirectory } from '../directory/index.js';
import { DirgateError } from '../errors.js';
import type { AccessPolicy } from './access.js';

const SERVICE = (requestId: string): OperationContext => ({ requestId, principal: { service: true } });

async function entryExists(view: VirtualDirectory, dn: string, requestId: string): Promise<string | undefined> {
  try {
    for await (const event of view.search({
      baseDN: dn, scope: 'base', derefAliases: 'never', sizeLimit: 1, timeLimit: 0, typesOnly: true,
      filter: { type: 'present', attribute: 'objectClass' }, attributes: ['1.1'], controls: [],
    }, SERVICE(requestId))) {
      if (event.kind === 'entry') return event.entry.dn;
    }
  } catch (err) {
    if (err instanceof DirgateError && (err.code === 'ERR_NO_SUCH_OBJECT' || err.code === 'ERR_INVALID_DN')) return undefined;
    throw err;
  }
  return undefined;
}

export function proxiedAuthorization(view: VirtualDirectory, policy: AccessPolicy) {
  return async (authzId: string, ctx: OperationContext): Promise<Principal> => {
    const caller = ctx.principal;
    if (!caller.dn || !(await policy.allows({ dn: caller.dn }, { right: 'write', dn: '' }))) {
      throw new DirgateError('ERR_INSUFFICIENT_ACCESS', 'the caller may not act as another user', { reason: 'proxy-not-allowed' });
    }
    let dn: string | undefined;
    if (authzId.startsWith('dn:')) dn = await entryExists(view, authzId.slice(3), ctx.requestId);
    else if (authzId.startsWith('u:')) dn = (await view.resolveUser(authzId.slice(2)))?.dn;
    else throw new DirgateError('ERR_MALFORMED_REQUEST', 'the principal must be written dn:<DN> or u:<user name>', { reason: 'proxy-principal-malformed' });
    if (!dn) throw new DirgateError('ERR_INSUFFICIENT_ACCESS', 'no such user to act as', { reason: 'proxy-target-unknown' });
    return { dn, appId: caller.appId };
  };
}
