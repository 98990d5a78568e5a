/**
 * SPMLv2 requests and responses as plain structures: the parser builds
 * requests, the executor turns them into responses, the serializer writes them.
 * No XML and no LDAP here.
 */
import type { Attribute, Filter, Modification } from '../directory/model.js';
import type { SpmlErrorCode } from '../errors.js';

export type ReturnData = 'identifier' | 'data' | 'everything';
export type ExecutionMode = 'synchronous' | 'asynchronous';

export interface PsoRef {
  id: string;
  targetID?: string;
  containerID?: PsoRef;
}

/** A search query clause before the target is known (isActive depends on the target's suspend attribute). */
export type QueryClause =
  | { type: 'filter'; filter: Filter }
  | { type: 'isActive' }
  | { type: 'and' | 'or'; clauses: QueryClause[] }
  | { type: 'not'; clause: QueryClause };

export type SearchScope = 'pso' | 'oneLevel' | 'subTree';

export interface SearchQuery {
  targetID?: string;
  scope?: SearchScope;
  basePsoID?: PsoRef;
  clauses: QueryClause[];
  /** dsml:attributes: the attributes to return; undefined for all exposed ones. */
  attributes?: string[];
}

interface Base { requestID?: string; executionMode?: ExecutionMode }

export type SpmlRequest = Base & (
  | { kind: 'listTargets'; profile?: string }
  | { kind: 'add'; targetID?: string; psoID?: PsoRef; containerID?: PsoRef; data: Attribute[]; returnData: ReturnData }
  | { kind: 'lookup'; psoID: PsoRef; returnData: ReturnData }
  | { kind: 'modify'; psoID: PsoRef; modifications: Modification[]; returnData: ReturnData }
  | { kind: 'delete'; psoID: PsoRef; recursive: boolean }
  | { kind: 'search'; query?: SearchQuery; returnData: ReturnData; maxSelect?: number }
  | { kind: 'iterate'; iteratorID: string }
  | { kind: 'closeIterator'; iteratorID: string }
  | { kind: 'setPassword'; psoID: PsoRef; password: string; currentPassword?: string }
  | { kind: 'expirePassword'; psoID: PsoRef; remainingLogins: number }
  | { kind: 'resetPassword'; psoID: PsoRef }
  | { kind: 'validatePassword'; psoID: PsoRef; password: string }
  | { kind: 'suspend'; psoID: PsoRef; effectiveDate?: Date }
  | { kind: 'resume'; psoID: PsoRef; effectiveDate?: Date }
  | { kind: 'active'; psoID: PsoRef }
  | { kind: 'batch'; processing: 'sequential' | 'parallel'; onError: 'resume' | 'exit'; requests: ParsedRequest[] }
  | { kind: 'status'; asyncRequestID?: string; returnResults: boolean }
  | { kind: 'cancel'; asyncRequestID: string }
  /** A request of a capability dirgate does not offer (bulk, updates): answered with unsupportedOperation. */
  | { kind: 'unsupported'; element: ElementName }
);

export type RequestKind = SpmlRequest['kind'];

export interface ElementName { ns: string; local: string }

/** What the parser made of one request element: the request, or why it could not be read. */
export type ParsedRequest =
  | { ok: true; request: SpmlRequest }
  | { ok: false; kind: RequestKind; element: ElementName; requestID?: string; error: Error };

export interface Pso {
  id: string;
  targetID: string;
  /** Undefined when returnData="identifier". */
  data?: Attribute[];
}

export interface TargetDescription {
  targetID: string;
  objectClasses: Array<{ name: string; description?: string; superiors: string[]; attributes: Array<{ name: string; required: boolean }> }>;
  attributes: Array<{ name: string; description?: string; multivalued: boolean; type: string }>;
  entities: Array<{ name: string; container: boolean }>;
  capabilities: string[];
}

interface ResponseBase {
  status: 'success' | 'failure' | 'pending';
  requestID?: string;
  error?: SpmlErrorCode;
  errorMessages: string[];
}

export type SpmlResponse = ResponseBase & (
  | { kind: 'listTargets'; targets: TargetDescription[] }
  | { kind: 'add' | 'lookup' | 'modify'; pso?: Pso }
  | { kind: 'delete' | 'setPassword' | 'expirePassword' | 'suspend' | 'resume' | 'closeIterator' }
  | { kind: 'search' | 'iterate'; psos: Pso[]; iteratorID?: string }
  | { kind: 'resetPassword'; password?: string }
  | { kind: 'validatePassword'; valid?: boolean }
  | { kind: 'active'; active?: boolean }
  | { kind: 'batch'; responses: SpmlResponse[] }
  | { kind: 'status'; asyncRequestID?: string; results: SpmlResponse[] }
  | { kind: 'cancel'; asyncRequestID: string }
  | { kind: 'unsupported'; element: ElementName }
);
