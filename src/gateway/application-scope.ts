/**
 * The application's own limits (applications[].access: operations and
 * subtrees), applied by the gateway as well as by the firewall: the firewall
 * cannot read an encrypted request, and the gateway must not trust that a rule
 * ran somewhere else. Sits in front of the virtual directory only; the
 * `o=gateway` subtree has its own rules.
 */
import type {
  AddRequest, CompareRequest, DeleteRequest, Directory, ExtendedRequest, ExtendedResult, ModifyDNRequest,
  ModifyRequest, OperationContext, OperationResult, SearchEvent, SearchRequest,
} from '../directory/model.js';
import { isUnder, parentDn } from '../directory/dn.js';
import { DirgateError } from '../errors.js';

export interface ApplicationAccess {
  operations: ReadonlySet<string>;
  subtrees: readonly string[];
}

export function applicationAccess(applications: ReadonlyArray<Record<string, unknown>>): Map<string, ApplicationAccess> {
  return new Map(applications.map((a) => {
    const access = (a.access ?? {}) as { operations?: string[]; subtrees?: string[] };
    return [String(a.id), { operations: new Set(access.operations ?? []), subtrees: access.subtrees ?? [] }];
  }));
}

export class ApplicationScopedDirectory implements Directory {
  constructor(private readonly inner: Directory, private readonly apps: ReadonlyMap<string, ApplicationAccess>) {}

  private check(ctx: OperationContext, operation: string, ...dns: string[]): void {
    // The gateway's own work (sessions, profile upkeep) is not an application's request.
    if (ctx.principal.service) return;
    const app = this.apps.get(ctx.principal.appId ?? '');
    if (!app || !app.operations.has(operation)) {
      throw new DirgateError('ERR_INSUFFICIENT_ACCESS', `the application may not ${operation}`, { reason: 'op-not-allowed' });
    }
    for (const dn of dns) {
      if (!app.subtrees.some((s) => isUnder(dn, s))) {
        throw new DirgateError('ERR_INSUFFICIENT_ACCESS', `the application may not reach ${dn}`, { reason: 'subtree-not-allowed' });
      }
    }
  }

  async *search(req: SearchRequest, ctx: OperationContext): AsyncIterable<SearchEvent> {
    this.check(ctx, 'search', req.baseDN);
    yield* this.inner.search(req, ctx);
  }
  async add(req: AddRequest, ctx: OperationContext): Promise<OperationResult> {
    this.check(ctx, 'add', req.dn);
    return this.inner.add(req, ctx);
  }
  async modify(req: ModifyRequest, ctx: OperationContext): Promise<OperationResult> {
    this.check(ctx, 'modify', req.dn);
    return this.inner.modify(req, ctx);
  }
  async delete(req: DeleteRequest, ctx: OperationContext): Promise<OperationResult> {
    this.check(ctx, 'delete', req.dn);
    return this.inner.delete(req, ctx);
  }
  async modifyDN(req: ModifyDNRequest, ctx: OperationContext): Promise<OperationResult> {
    // A rename without newSuperior lands beside the entry: its parent must be reachable too.
    this.check(ctx, 'modDN', req.dn, req.newSuperior ?? parentDn(req.dn));
    return this.inner.modifyDN(req, ctx);
  }
  async compare(req: CompareRequest, ctx: OperationContext): Promise<OperationResult> {
    this.check(ctx, 'compare', req.dn);
    return this.inner.compare(req, ctx);
  }
  async extended(req: ExtendedRequest, ctx: OperationContext): Promise<ExtendedResult> {
    this.check(ctx, 'extended');
    return this.inner.extended(req, ctx);
  }
  bind(dn: string, password: string, ctx: OperationContext): Promise<string> {
    return this.inner.bind(dn, password, ctx);
  }
}
