/**
 * The directory model every layer speaks: protocol fronts (dsml/, spml/) build
 * these structures, the virtual directory and the sources execute them. No XML
 * and no LDAP client types appear here, so each side can change without the other.
 */

/**
 * An attribute value. A string when the value is valid UTF-8 text; a Buffer when
 * it is binary (jpegPhoto, userCertificate, objectGUID, anything not valid UTF-8),
 * so bytes survive every hop exactly.
 */
export type Value = string | Buffer;

export interface Attribute {
  type: string;
  values: Value[];
}

export interface Entry {
  dn: string;
  attributes: Attribute[];
}

export interface Control {
  /** The control's OID. */
  type: string;
  criticality: boolean;
  value?: Buffer;
}

/** A search filter as a tree: built from structure, never from concatenated strings. */
export type Filter =
  | { type: 'and'; filters: Filter[] }
  | { type: 'or'; filters: Filter[] }
  | { type: 'not'; filter: Filter }
  | { type: 'equality'; attribute: string; value: Value }
  | { type: 'substrings'; attribute: string; initial?: Value; any: Value[]; final?: Value }
  | { type: 'greaterOrEqual'; attribute: string; value: Value }
  | { type: 'lessOrEqual'; attribute: string; value: Value }
  | { type: 'present'; attribute: string }
  | { type: 'approx'; attribute: string; value: Value }
  | { type: 'extensible'; attribute?: string; matchingRule?: string; value: Value; dnAttributes: boolean };

export type Scope = 'base' | 'one' | 'sub';
export type DerefAliases = 'never' | 'searching' | 'finding' | 'always';

export interface SearchRequest {
  baseDN: string;
  scope: Scope;
  derefAliases: DerefAliases;
  /** 0 means no limit requested by the client (server limits still apply). */
  sizeLimit: number;
  /** Seconds; 0 means no limit requested. */
  timeLimit: number;
  typesOnly: boolean;
  filter: Filter;
  /** Requested attributes; empty means all user attributes. `*`, `+` and `1.1` keep their LDAP meaning. */
  attributes: string[];
  controls: Control[];
}

export type ModificationOperation = 'add' | 'delete' | 'replace';

export interface Modification {
  operation: ModificationOperation;
  attribute: Attribute;
}

export interface AddRequest { dn: string; attributes: Attribute[]; controls: Control[] }
export interface ModifyRequest { dn: string; changes: Modification[]; controls: Control[] }
export interface DeleteRequest { dn: string; controls: Control[] }
export interface ModifyDNRequest { dn: string; newRDN: string; deleteOldRDN: boolean; newSuperior?: string; controls: Control[] }
export interface CompareRequest { dn: string; attribute: string; value: Value; controls: Control[] }
export interface ExtendedRequest { oid: string; value?: Buffer; controls: Control[] }

/** The closing result of an LDAP operation that succeeded (or compared). */
export interface OperationResult {
  resultCode: number;
  matchedDN?: string;
  diagnosticMessage?: string;
  referrals?: string[];
  controls?: Control[];
}

export interface ExtendedResult extends OperationResult {
  oid?: string;
  value?: Buffer;
}

export type SearchEvent =
  | { kind: 'entry'; entry: Entry; controls?: Control[] }
  | { kind: 'reference'; uris: string[] }
  | { kind: 'done'; result: OperationResult };

/** Who an operation runs for. */
export interface Principal {
  /** The virtual DN of the authenticated user, or undefined for the anonymous caller. */
  dn?: string;
  /** The user's credentials, where the operation must bind as the user on the source (DSML with HTTP Basic). */
  password?: string;
  /** Application the caller came through. */
  appId?: string;
  /** True for the gateway's own service identity (sessions, profile upkeep). */
  service?: boolean;
}

export interface OperationContext {
  requestId: string;
  principal: Principal;
  signal?: AbortSignal;
}

/**
 * What the protocol fronts execute against. The virtual directory implements it
 * over the sources; the `o=gateway` subtree implements it over sessions and
 * configuration. Failures are thrown as DirgateError (src/errors.ts).
 */
export interface Directory {
  /** Streams entries and references; the last event is always `done`. */
  search(req: SearchRequest, ctx: OperationContext): AsyncIterable<SearchEvent>;
  add(req: AddRequest, ctx: OperationContext): Promise<OperationResult>;
  modify(req: ModifyRequest, ctx: OperationContext): Promise<OperationResult>;
  delete(req: DeleteRequest, ctx: OperationContext): Promise<OperationResult>;
  modifyDN(req: ModifyDNRequest, ctx: OperationContext): Promise<OperationResult>;
  /** resultCode is compareTrue (6) or compareFalse (5). */
  compare(req: CompareRequest, ctx: OperationContext): Promise<OperationResult>;
  extended(req: ExtendedRequest, ctx: OperationContext): Promise<ExtendedResult>;
  /** Verifies a user's password; resolves to the virtual DN bound, throws ERR_AUTHENTICATION_FAILED otherwise. */
  bind(dn: string, password: string, ctx: OperationContext): Promise<string>;
}

/** Case-insensitive attribute lookup (LDAP attribute names are case-insensitive). */
export function getAttribute(entry: Entry, type: string): Attribute | undefined {
  const lower = type.toLowerCase();
  return entry.attributes.find((a) => a.type.toLowerCase() === lower);
}

/** First value of an attribute as text. */
export function firstString(entry: Entry, type: string): string | undefined {
  const v = getAttribute(entry, type)?.values[0];
  return v === undefined ? undefined : typeof v === 'string' ? v : v.toString('utf8');
}
