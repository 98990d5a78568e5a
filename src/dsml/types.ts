/**
 * The DSML protocol model: a parsed batchRequest and the batchResponse built for
 * it. Operations carry the shared directory model (src/directory/model.ts);
 * what is DSML's own (request ids, batch modes, errorResponse) lives here.
 */
import type { DirgateError, DsmlErrorType } from '../errors.js';
import type {
  AddRequest, CompareRequest, Control, DeleteRequest, Entry, ExtendedRequest, ModifyDNRequest, ModifyRequest, SearchRequest,
} from '../directory/model.js';
import type { SoapVersion } from './constants.js';

/** What a response element answers: the LDAP operation behind each request element. */
export type OperationKind = 'search' | 'add' | 'modify' | 'delete' | 'modifyDN' | 'compare' | 'extended' | 'auth';

export type DsmlOperation =
  | { kind: 'search'; requestID?: string; request: SearchRequest }
  | { kind: 'add'; requestID?: string; request: AddRequest }
  | { kind: 'modify'; requestID?: string; request: ModifyRequest }
  | { kind: 'delete'; requestID?: string; request: DeleteRequest }
  | { kind: 'modifyDN'; requestID?: string; request: ModifyDNRequest }
  | { kind: 'compare'; requestID?: string; request: CompareRequest }
  | { kind: 'extended'; requestID?: string; request: ExtendedRequest }
  | { kind: 'abandon'; requestID?: string; abandonID: string; controls: Control[] }
  /**
   * A request element that could not be turned into an operation (unknown
   * element, bad filter, a limit breached, a refused URI). It is answered with
   * `error` in the response element of `answersAs` where the error is an LDAP
   * result, or with an errorResponse.
   */
  | { kind: 'rejected'; requestID?: string; element: string; answersAs?: OperationKind; error: DirgateError };

export interface AuthRequestModel {
  requestID?: string;
  principal: string;
  controls: Control[];
}

export interface DsmlBatchRequest {
  requestID?: string;
  processing: 'sequential' | 'parallel';
  responseOrder: 'sequential' | 'unordered';
  onError: 'exit' | 'resume';
  authRequest?: AuthRequestModel;
  /** The batch opened with an authRequest that could not be read: it is answered first, and nothing after it runs. */
  authRequestRejected?: boolean;
  operations: DsmlOperation[];
  /** Set when the batch as a whole cannot run (bad batch attributes, too many operations). */
  invalid?: DirgateError;
}

/** Microsoft DSML session header found on the request ([MS-DSML] 2.2.2). */
export type SessionHeader =
  | { kind: 'begin' }
  | { kind: 'continue'; sessionId: string }
  | { kind: 'end'; sessionId: string };

export interface DsmlRequestDocument {
  /** SOAP version of the envelope, or undefined for a bare batchRequest document. */
  soap?: SoapVersion;
  session?: SessionHeader;
  batch: DsmlBatchRequest;
}

export interface LdapResultModel {
  resultCode: number;
  matchedDN?: string;
  errorMessage?: string;
  referrals?: string[];
  controls?: Control[];
}

export interface SearchEntryModel {
  entry: Entry;
  controls?: Control[];
}

export type DsmlResponse =
  | { kind: 'search'; requestID?: string; entries: SearchEntryModel[]; references: string[][]; done: LdapResultModel }
  | { kind: 'add' | 'modify' | 'delete' | 'modifyDN' | 'compare' | 'auth'; requestID?: string; result: LdapResultModel }
  | { kind: 'extended'; requestID?: string; result: LdapResultModel; responseName?: string; response?: Buffer }
  | { kind: 'error'; requestID?: string; type: DsmlErrorType; message?: string };

export interface DsmlBatchResponse {
  requestID?: string;
  responses: DsmlResponse[];
}
