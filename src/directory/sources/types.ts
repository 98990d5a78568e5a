/**
 * What the virtual directory needs of one LDAP source: the raw LDAP operations
 * in the shared model (src/directory/model.ts), in the source's own namespace,
 * with fail-over, pooling and error mapping hidden behind it.
 */
import type {
  AddRequest, CompareRequest, DeleteRequest, ExtendedRequest, ExtendedResult, ModifyDNRequest,
  ModifyRequest, OperationResult, SearchEvent, SearchRequest,
} from '../model.js';

export interface SourceOperationOptions {
  signal?: AbortSignal;
  /** Run the operation bound as this user instead of the source's service account. */
  bindAs?: { dn: string; password: string };
}

export interface SourceHealth {
  name: string;
  /** True when at least one URL answered its last attempt. */
  up: boolean;
  urls: Array<{ url: string; up: boolean; lastError?: string; retryAt?: number }>;
}

export interface LdapSource {
  readonly name: string;
  readonly baseDn: string;
  readonly readOnly: boolean;
  search(req: SearchRequest, options?: SourceOperationOptions): AsyncIterable<SearchEvent>;
  add(req: AddRequest, options?: SourceOperationOptions): Promise<OperationResult>;
  modify(req: ModifyRequest, options?: SourceOperationOptions): Promise<OperationResult>;
  delete(req: DeleteRequest, options?: SourceOperationOptions): Promise<OperationResult>;
  modifyDN(req: ModifyDNRequest, options?: SourceOperationOptions): Promise<OperationResult>;
  compare(req: CompareRequest, options?: SourceOperationOptions): Promise<OperationResult>;
  extended(req: ExtendedRequest, options?: SourceOperationOptions): Promise<ExtendedResult>;
  /** Checks a user's password with a simple bind; throws ERR_AUTHENTICATION_FAILED when wrong. */
  verifyPassword(dn: string, password: string, options?: SourceOperationOptions): Promise<void>;
  /** One cheap round trip (root DSE or base entry) to every URL; updates health. */
  probe(): Promise<SourceHealth>;
  health(): SourceHealth;
  close(): Promise<void>;
}
