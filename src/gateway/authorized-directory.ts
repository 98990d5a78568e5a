/**
 * A Directory that applies the access rules before delegating. Searches return
 * only the entries the caller may read (as an LDAP server hides what its ACLs
 * deny); writes the caller may not make fail before any source is touched.
 * The gateway's own service identity (sessions, profile upkeep) passes.
 */
import type {
  AddRequest, CompareRequest, DeleteRequest, Directory, ExtendedRequest, ExtendedResult, ModifyDNRequest,
  ModifyRequest, OperationContext, OperationResult, SearchEvent, SearchRequest,
} from '../directory/model.js';
import type { AccessPolicy, Right } from './access.js';

export class AuthorizedDirectory implements Directory {
  constructor(private readonly inner: Directory, private readonly policy: AccessPolicy) {}

  private async require(ctx: OperationContext, right: Right, dn: string, attributes?: string[]): Promise<void> {
    if (ctx.principal.service) return;
    await this.policy.require({ dn: ctx.principal.dn }, { right, dn, attributes });
  }

  async *search(req: SearchRequest, ctx: OperationContext): AsyncIterable<SearchEvent> {
    for await (const event of this.inner.search(req, ctx)) {
      if (event.kind === 'entry' && !ctx.principal.service
        && !(await this.policy.allows({ dn: ctx.principal.dn }, { right: 'read', dn: event.entry.dn }))) continue;
      yield event;
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
