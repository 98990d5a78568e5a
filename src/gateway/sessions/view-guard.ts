/**
 * What stands between an authenticated caller and the virtual directory:
 *
 *   step              | what
 *   ------------------+----------------------------------------------------------
 *   caller may act    | a session owing MFA: ERR_MFA_REQUIRED; login credentials
 *                     | (JWT, certificate, or a password where the application does
 *                     | not allow userCredentialsOnDsml): ERR_AUTHENTICATION_FAILED
 *   beforeOperation   | the interception hook may rewrite or refuse the operation
 *   the operation     | the inner directory (the authorized view)
 *   afterOperation    | the hook may change the result (not streamed entries)
 *
 * The gateway's own service identity passes untouched.
 */
import type {
  AddRequest, CompareRequest, DeleteRequest, Directory, ExtendedRequest, ExtendedResult, ModifyDNRequest,
  ModifyRequest, OperationContext, OperationResult, SearchEvent, SearchRequest,
} from '../../directory/model.js';
import { DirgateError } from '../../errors.js';
import type { ScriptRuntime } from '../../scripts/runtime.js';
import type { DirectoryOperation } from '../../scripts/types.js';
import { mfaPending, stateOf } from './caller-state.js';

export class GuardedDirectory implements Directory {
  constructor(private readonly inner: Directory, private readonly scripts: ScriptRuntime) {}

  #admit(ctx: OperationContext): void {
    if (ctx.principal.service) return;
    const state = stateOf(ctx);
    if (mfaPending(state)) {
      throw new DirgateError('ERR_MFA_REQUIRED', 'multi-factor authentication is outstanding', { reason: 'mfa-pending' });
    }
    if (state?.kind === 'primary' && !(state.method === 'password' && state.app.userCredentialsOnDsml)) {
      throw new DirgateError('ERR_AUTHENTICATION_FAILED', 'authentication failed', { reason: 'session-required' });
    }
  }

  /** Runs one non-search operation between the hooks; `exec` gets the request the hook let through. */
  async #run<R>(kind: DirectoryOperation['kind'], request: R, ctx: OperationContext, exec: (request: R) => Promise<OperationResult>): Promise<OperationResult> {
    this.#admit(ctx);
    if (ctx.principal.service) return exec(request);
    const operation = await this.scripts.run('beforeOperation', { operation: { kind, request } as DirectoryOperation, context: ctx }, { requestId: ctx.requestId });
    if (operation.kind !== kind) throw new DirgateError('ERR_INTERNAL', 'beforeOperation changed the kind of operation', { reason: 'script-error' });
    const result = await exec(operation.request as R);
    return this.scripts.run('afterOperation', { operation, context: ctx, result }, { requestId: ctx.requestId });
  }

  async *search(req: SearchRequest, ctx: OperationContext): AsyncIterable<SearchEvent> {
    this.#admit(ctx);
    if (ctx.principal.service) {
      yield* this.inner.search(req, ctx);
      return;
    }
    const operation = await this.scripts.run('beforeOperation', { operation: { kind: 'search', request: req }, context: ctx }, { requestId: ctx.requestId });
    if (operation.kind !== 'search') throw new DirgateError('ERR_INTERNAL', 'beforeOperation changed the kind of operation', { reason: 'script-error' });
    for await (const event of this.inner.search(operation.request, ctx)) {
      if (event.kind !== 'done') {
        yield event;
        continue;
      }
      const result = await this.scripts.run('afterOperation', { operation, context: ctx, result: event.result }, { requestId: ctx.requestId });
      yield { kind: 'done', result };
    }
  }

  add(req: AddRequest, ctx: OperationContext): Promise<OperationResult> {
    return this.#run('add', req, ctx, (r) => this.inner.add(r, ctx));
  }

  modify(req: ModifyRequest, ctx: OperationContext): Promise<OperationResult> {
    return this.#run('modify', req, ctx, (r) => this.inner.modify(r, ctx));
  }

  delete(req: DeleteRequest, ctx: OperationContext): Promise<OperationResult> {
    return this.#run('delete', req, ctx, (r) => this.inner.delete(r, ctx));
  }

  modifyDN(req: ModifyDNRequest, ctx: OperationContext): Promise<OperationResult> {
    return this.#run('modifyDN', req, ctx, (r) => this.inner.modifyDN(r, ctx));
  }

  compare(req: CompareRequest, ctx: OperationContext): Promise<OperationResult> {
    return this.#run('compare', req, ctx, (r) => this.inner.compare(r, ctx));
  }

  async extended(req: ExtendedRequest, ctx: OperationContext): Promise<ExtendedResult> {
    let extended: ExtendedResult | undefined;
    const result = await this.#run('extended', req, ctx, async (r) => (extended = await this.inner.extended(r, ctx)));
    return { ...extended, ...result };
  }

  bind(dn: string, password: string, ctx: OperationContext): Promise<string> {
    return this.inner.bind(dn, password, ctx);
  }
}
