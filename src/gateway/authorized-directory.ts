/**
 * A Directory that applies the access rules before delegating. Searches return
 * only the entries the caller may read (as an LDAP server hides what its ACLs
 * deny); writes the caller may not make fail before any source is touched.
 * The gateway's own service identity (sessions, profile upkeep) passes.
 *
 * Password hashes never leave through the gateway, whoever asks: `userPassword`
 * is dropped from every entry, and a filter or compare on it (a guessing
 * oracle) is refused. Passwords are checked by binds, changed by modifies.
 */
import type {
  AddRequest, CompareRequest, DeleteRequest, Directory, ExtendedRequest, ExtendedResult, ModifyDNRequest,
  ModifyRequest, OperationContext, OperationResult, SearchEvent, SearchRequest,
} from '../directory/model.js';
import type { AccessPolicy, Right } from './access.js';
import type { Entry, Filter } from '../directory/model.js';
import { DirgateError } from '../errors.js';

const SECRET_ATTRIBUTE = 'userpassword';

function namesSecret(filter: Filter): boolean {
  switch (filter.type) {
    case 'and': case 'or': return filter.filters.some(namesSecret);
    case 'not': return namesSecret(filter.filter);
    default: return filter.attribute?.toLowerCase() === SECRET_ATTRIBUTE;
  }
}

function withoutSecrets(entry: Entry): Entry {
  return entry.attributes.some((a) => a.type.toLowerCase() === SECRET_ATTRIBUTE)
    ? { ...entry, attributes: entry.attributes.filter((a) => a.type.toLowerCase() !== SECRET_ATTRIBUTE) }
    : entry;
}

function refuseSecret(): DirgateError {
  return new DirgateError('ERR_INSUFFICIENT_ACCESS', 'userPassword cannot be searched or compared', { reason: 'password-probe-refused' });
}

export class AuthorizedDirectory implements Directory {
  constructor(private readonly inner: Directory, private readonly policy: AccessPolicy) {}

  private async require(ctx: OperationContext, right: Right, dn: string, attributes?: string[]): Promise<void> {
    if (ctx.principal.service) return;
    await this.policy.require({ dn: ctx.principal.dn }, { right, dn, attributes });
  }

  async *search(req: SearchRequest, ctx: OperationContext): AsyncIterable<SearchEvent> {
    if (!ctx.principal.service && namesSecret(req.filter)) throw refuseSecret();
    for await (const event of this.inner.search(req, ctx)) {
      if (event.kind !== 'entry' || ctx.principal.service) {
        yield event;
        continue;
      }
      if (!(await this.policy.allows({ dn: ctx.principal.dn }, { right: 'read', dn: event.entry.dn }))) continue;
      yield { ...event, entry: withoutSecrets(event.entry) };
    }
  }

  async add(req: AddRequest, ctx: OperationContext): Promise<OperationResult> {
    await this.require(ctx, 'write', req.dn);
    return this.inner.add(req, ctx);
  }

  async modify(req: ModifyRequest, ctx: OperationContext): Promise<OperationResult> {
    await this.require(ctx, 'write', req.dn, req.changes.map((c) => c.attribute.type));
    return this.inner.modify(req, ctx);
  }

  async delete(req: DeleteRequest, ctx: OperationContext): Promise<OperationResult> {
    await this.require(ctx, 'write', req.dn);
    return this.inner.delete(req, ctx);
  }

  async modifyDN(req: ModifyDNRequest, ctx: OperationContext): Promise<OperationResult> {
    await this.require(ctx, 'write', req.dn);
    if (req.newSuperior) await this.require(ctx, 'write', req.newSuperior);
    return this.inner.modifyDN(req, ctx);
  }

  async compare(req: CompareRequest, ctx: OperationContext): Promise<OperationResult> {
    if (!ctx.principal.service && req.attribute.toLowerCase() === SECRET_ATTRIBUTE) throw refuseSecret();
    await this.require(ctx, 'read', req.dn);
    return this.inner.compare(req, ctx);
  }

  async extended(req: ExtendedRequest, ctx: OperationContext): Promise<ExtendedResult> {
    // Extended operations act on the directory as a whole: only those who may write everywhere.
    await this.require(ctx, 'write', '');
    return this.inner.extended(req, ctx);
  }

  bind(dn: string, password: string, ctx: OperationContext): Promise<string> {
    return this.inner.bind(dn, password, ctx);
  }
}
