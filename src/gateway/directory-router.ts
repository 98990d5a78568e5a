/**
 * Sends each operation to the Directory that owns its DN: the gateway's own
 * `o=gateway` subtree (discovery, sessions, MFA, self) or the virtual directory.
 * The root DSE is answered here, naming both.
 */
import type {
  AddRequest, CompareRequest, DeleteRequest, Directory, Entry, ExtendedRequest, ExtendedResult, ModifyDNRequest,
  ModifyRequest, OperationContext, OperationResult, SearchEvent, SearchRequest,
} from '../directory/model.js';
import { LDAP_RESULT } from '../errors.js';
import { isUnder, parseDn } from '../directory/dn.js';

export const GATEWAY_SUFFIX = 'o=gateway';

export class DirectoryRouter implements Directory {
  constructor(
    private readonly gateway: Directory,
    private readonly view: Directory,
    private readonly namingContexts: string[],
  ) {}

  private pick(dn: string): Directory {
    return isUnder(dn, GATEWAY_SUFFIX) ? this.gateway : this.view;
  }

  private rootDse(): Entry {
    return {
      dn: '',
      attributes: [
        { type: 'objectClass', values: ['top'] },
        { type: 'namingContexts', values: [...this.namingContexts, GATEWAY_SUFFIX] },
        { type: 'supportedLDAPVersion', values: ['3'] },
        { type: 'vendorName', values: ['dirgate'] },
      ],
    };
  }

  async *search(req: SearchRequest, ctx: OperationContext): AsyncIterable<SearchEvent> {
    if (parseDn(req.baseDN).length === 0 && req.scope === 'base') {
      yield { kind: 'entry', entry: this.rootDse() };
      yield { kind: 'done', result: { resultCode: LDAP_RESULT.success } };
      return;
    }
    yield* this.pick(req.baseDN).search(req, ctx);
  }

  add(req: AddRequest, ctx: OperationContext): Promise<OperationResult> { return this.pick(req.dn).add(req, ctx); }
  modify(req: ModifyRequest, ctx: OperationContext): Promise<OperationResult> { return this.pick(req.dn).modify(req, ctx); }
  delete(req: DeleteRequest, ctx: OperationContext): Promise<OperationResult> { return this.pick(req.dn).delete(req, ctx); }
  modifyDN(req: ModifyDNRequest, ctx: OperationContext): Promise<OperationResult> { return this.pick(req.dn).modifyDN(req, ctx); }
  compare(req: CompareRequest, ctx: OperationContext): Promise<OperationResult> { return this.pick(req.dn).compare(req, ctx); }
  extended(req: ExtendedRequest, ctx: OperationContext): Promise<ExtendedResult> { return this.view.extended(req, ctx); }
  bind(dn: string, password: string, ctx: OperationContext): Promise<string> { return this.view.bind(dn, password, ctx); }
}
