/**
 * SOAP 1.1 envelope and SPMLv2 request elements -> the request model.
 *
 * Lenient where peers differ harmlessly (a child element may be in the core
 * namespace or the capability's own, the profile URI in either case), strict
 * where a guess could write the wrong thing (unknown modification operations,
 * a modify with nothing in it, a requestID that is not an xsd:ID).
 */
import type { Attribute, Modification } from '../directory/model.js';
import { DirgateError } from '../errors.js';
import type {
  ElementName, ExecutionMode, ParsedRequest, PsoRef, QueryClause, RequestKind, ReturnData, SearchQuery, SearchScope, SpmlRequest,
} from './model.js';
import { NS, SPML_NAMESPACES, isDsmlPayloadNamespace } from './namespaces.js';
import {
  dsmlChildren, malformed, parseBoolean, readAttributeList, readAttributes, readFilter, readModifications,
} from './dsml-profile.js';
import { attr, parseXml, type XmlElement, type XmlLimits } from './xml.js';

export interface ParsedEnvelope {
  /** 'soap' when the request came in an Envelope (answered in one), 'bare' otherwise. */
  mode: 'soap' | 'bare';
  item: ParsedRequest;
}

/** Thrown for input that cannot be answered with an SPML response (answered with a SOAP Fault). */
export class EnvelopeError extends DirgateError {}

function envelopeError(message: string, reason: string): EnvelopeError {
  return new EnvelopeError('ERR_MALFORMED_REQUEST', message, { reason });
}

/** Parses the HTTP body: an Envelope whose Body holds one SPML request, or a bare request element. */
export function parseSpmlEnvelope(body: Buffer | string, limits?: XmlLimits): ParsedEnvelope {
  let root: XmlElement;
  try {
    root = parseXml(body, limits);
  } catch (err) {
    if (err instanceof DirgateError) throw new EnvelopeError(err.code, err.message, { reason: err.reason, cause: err });
    throw err;
  }
  if (root.uri === NS.soap && root.local === 'Envelope') {
    const header = root.children.find((c) => c.uri === NS.soap && c.local === 'Header');
    for (const h of header?.children ?? []) {
      const mu = attr(h, 'mustUnderstand', NS.soap);
      if (mu === '1' || mu === 'true') {
        throw envelopeError(`the SOAP header {${h.uri}}${h.local} must be understood and is not`, 'soap-must-understand');
      }
    }
    const bodies = root.children.filter((c) => c.uri === NS.soap && c.local === 'Body');
    if (bodies.length !== 1) throw envelopeError('the SOAP Envelope needs exactly one Body', 'soap-no-body');
    const requests = bodies[0]!.children;
    if (requests.length !== 1) throw envelopeError('the SOAP Body must hold exactly one SPML request', 'soap-body-count');
    return { mode: 'soap', item: parseRequestElement(requests[0]!) };
  }
  if (SPML_NAMESPACES.has(root.uri)) return { mode: 'bare', item: parseRequestElement(root) };
  throw envelopeError(`expected a SOAP 1.1 Envelope, got {${root.uri}}${root.local}`, 'soap-not-envelope');
}

type RequestParser = (e: XmlElement) => SpmlRequest;

interface RequestSpec { kind: RequestKind; parse: RequestParser }

const key = (ns: string, local: string) => `{${ns}}${local}`;

/** Request elements dirgate recognises. bulk and updates are known so they can be refused properly. */
const REQUESTS = new Map<string, RequestSpec>([
  [key(NS.spml, 'listTargetsRequest'), { kind: 'listTargets', parse: (e) => ({ kind: 'listTargets', profile: attr(e, 'profile') }) }],
  [key(NS.spml, 'addRequest'), { kind: 'add', parse: parseAdd }],
  [key(NS.spml, 'lookupRequest'), { kind: 'lookup', parse: (e) => ({ kind: 'lookup', psoID: requiredPso(e), returnData: returnData(e) }) }],
  [key(NS.spml, 'modifyRequest'), { kind: 'modify', parse: parseModify }],
  [key(NS.spml, 'deleteRequest'), {
    kind: 'delete',
    parse: (e) => ({ kind: 'delete', psoID: requiredPso(e), recursive: parseBoolean(attr(e, 'recursive'), false, 'recursive') }),
  }],
  [key(NS.search, 'searchRequest'), { kind: 'search', parse: parseSearch }],
  [key(NS.search, 'iterateRequest'), { kind: 'iterate', parse: (e) => ({ kind: 'iterate', iteratorID: iteratorId(e) }) }],
  [key(NS.search, 'closeIteratorRequest'), { kind: 'closeIterator', parse: (e) => ({ kind: 'closeIterator', iteratorID: iteratorId(e) }) }],
  [key(NS.password, 'setPasswordRequest'), {
    kind: 'setPassword',
    parse: (e) => {
      const current = child(e, 'currentPassword');
      return { kind: 'setPassword', psoID: requiredPso(e), password: requiredText(e, 'password'), currentPassword: current ? textOf(current) : undefined };
    },
  }],
  [key(NS.password, 'expirePasswordRequest'), {
    kind: 'expirePassword',
    parse: (e) => ({ kind: 'expirePassword', psoID: requiredPso(e), remainingLogins: integer(attr(e, 'remainingLogins'), 'remainingLogins') ?? 1 }),
  }],
  [key(NS.password, 'resetPasswordRequest'), { kind: 'resetPassword', parse: (e) => ({ kind: 'resetPassword', psoID: requiredPso(e) }) }],
  [key(NS.password, 'validatePasswordRequest'), {
    kind: 'validatePassword',
    parse: (e) => ({ kind: 'validatePassword', psoID: requiredPso(e), password: requiredText(e, 'password') }),
  }],
  [key(NS.suspend, 'suspendRequest'), { kind: 'suspend', parse: (e) => ({ kind: 'suspend', psoID: requiredPso(e), effectiveDate: dateTime(e) }) }],
  [key(NS.suspend, 'resumeRequest'), { kind: 'resume', parse: (e) => ({ kind: 'resume', psoID: requiredPso(e), effectiveDate: dateTime(e) }) }],
  [key(NS.suspend, 'activeRequest'), { kind: 'active', parse: (e) => ({ kind: 'active', psoID: requiredPso(e) }) }],
  [key(NS.batch, 'batchRequest'), { kind: 'batch', parse: parseBatch }],
  [key(NS.async, 'statusRequest'), {
    kind: 'status',
    parse: (e) => ({ kind: 'status', asyncRequestID: attr(e, 'asyncRequestID'), returnResults: parseBoolean(attr(e, 'returnResults'), false, 'returnResults') }),
  }],
  [key(NS.async, 'cancelRequest'), {
    kind: 'cancel',
    parse: (e) => {
      const id = attr(e, 'asyncRequestID');
      if (!id) throw malformed('cancelRequest needs asyncRequestID');
      return { kind: 'cancel', asyncRequestID: id };
    },
  }],
  ...(['bulkModifyRequest', 'bulkDeleteRequest'] as const).map((l) => unsupported(NS.bulk, l)),
  ...(['updatesRequest', 'iterateRequest', 'closeIteratorRequest'] as const).map((l) => unsupported(NS.updates, l)),
]);

function unsupported(ns: string, local: string): [string, RequestSpec] {
  return [key(ns, local), { kind: 'unsupported', parse: () => ({ kind: 'unsupported', element: { ns, local } }) }];
}

/** xsd:NCName, which xsd:ID values must be (requestID and iterator IDs are echoed into responses). */
const NCNAME = /^[\p{L}_][\p{L}\p{N}_.\-\u00B7\u0300-\u036F\u203F\u2040]*$/u;
export function isNcName(s: string): boolean {
  return NCNAME.test(s);
}

/** Parses one request element; failures come back as `ok: false` so they can be answered in kind. */
export function parseRequestElement(e: XmlElement): ParsedRequest {
  const spec = REQUESTS.get(key(e.uri, e.local));
  if (!spec) {
    if (SPML_NAMESPACES.has(e.uri)) throw envelopeError(`"${e.local}" is not an SPMLv2 request dirgate knows`, 'spml-unknown-request');
    throw envelopeError(`{${e.uri}}${e.local} is not an SPMLv2 request`, 'spml-not-spml');
  }
  const element: ElementName = { ns: e.uri, local: e.local };
  const rawId = attr(e, 'requestID');
  const requestID = rawId !== undefined && isNcName(rawId) ? rawId : undefined;
  try {
    if (rawId !== undefined && requestID === undefined) throw malformed(`requestID "${rawId}" is not an xsd:ID (NCName)`);
    const mode = attr(e, 'executionMode');
    if (mode !== undefined && mode !== 'synchronous' && mode !== 'asynchronous') throw malformed('executionMode must be synchronous or asynchronous');
    const request = spec.parse(e);
    request.requestID = requestID;
    request.executionMode = mode as ExecutionMode | undefined;
    return { ok: true, request };
  } catch (err) {
    return { ok: false, kind: spec.kind, element, requestID, error: err as Error };
  }
}

/** A child element by local name, in any SPML namespace (peers differ on core vs capability namespace). */
function child(e: XmlElement, local: string): XmlElement | undefined {
  const found = e.children.filter((c) => c.local === local && SPML_NAMESPACES.has(c.uri));
  if (found.length > 1) throw malformed(`${e.local} has more than one ${local}`);
  return found[0];
}

function children(e: XmlElement, local: string): XmlElement[] {
  return e.children.filter((c) => c.local === local && SPML_NAMESPACES.has(c.uri));
}

function textOf(e: XmlElement): string {
  if (e.children.length) throw malformed(`${e.local} must hold text only`);
  return e.text;
}

function requiredText(e: XmlElement, local: string): string {
  const c = child(e, local);
  if (!c) throw malformed(`${e.local} needs a ${local} element`);
  return textOf(c);
}

function integer(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\s*[+-]?\d{1,10}\s*$/.test(v)) throw malformed(`${what} must be an integer`);
  return Number.parseInt(v, 10);
}

function dateTime(e: XmlElement): Date | undefined {
  const v = attr(e, 'effectiveDate');
  if (v === undefined) return undefined;
  const t = v.trim();
  if (!/^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.test(t)) throw malformed('effectiveDate must be an xsd:dateTime');
  const d = new Date(/(Z|[+-]\d{2}:\d{2})$/.test(t) ? t : `${t}Z`);
  if (Number.isNaN(d.getTime())) throw malformed('effectiveDate must be an xsd:dateTime');
  return d;
}

function returnData(e: XmlElement): ReturnData {
  const v = attr(e, 'returnData');
  if (v === undefined) return 'everything';
  if (v !== 'identifier' && v !== 'data' && v !== 'everything') throw malformed('returnData must be identifier, data or everything');
  return v;
}

function readPso(e: XmlElement): PsoRef {
  const id = attr(e, 'ID');
  if (id === undefined || id.trim() === '') throw malformed(`${e.local} needs an ID`);
  const container = child(e, 'containerID');
  return { id, targetID: attr(e, 'targetID'), containerID: container ? readPso(container) : undefined };
}

function requiredPso(e: XmlElement): PsoRef {
  const p = child(e, 'psoID');
  if (!p) throw malformed(`${e.local} needs a psoID`);
  return readPso(p);
}

function refuseMustUnderstand(e: XmlElement): void {
  for (const cd of children(e, 'capabilityData')) {
    if (parseBoolean(attr(cd, 'mustUnderstand'), false, 'mustUnderstand')) {
      throw new DirgateError('ERR_UNSUPPORTED_OPERATION', `capability data for "${attr(cd, 'capabilityURI') ?? '(none)'}" is not supported`, {
        reason: 'spml-capability-data',
      });
    }
  }
}

function parseAdd(e: XmlElement): SpmlRequest {
  const data = child(e, 'data');
  if (!data) throw malformed('addRequest needs a data element');
  refuseMustUnderstand(e);
  const pso = child(e, 'psoID');
  const container = child(e, 'containerID');
  const attributes: Attribute[] = readAttributes(data);
  if (!attributes.length) throw malformed('addRequest data holds no dsml:attr');
  return {
    kind: 'add',
    targetID: attr(e, 'targetID'),
    psoID: pso ? readPso(pso) : undefined,
    containerID: container ? readPso(container) : undefined,
    data: attributes,
    returnData: returnData(e),
  };
}

const MODES: ReadonlySet<string> = new Set(['add', 'replace', 'delete']);

function parseModify(e: XmlElement): SpmlRequest {
  const psoID = requiredPso(e);
  const mods = children(e, 'modification');
  if (!mods.length) throw malformed('modifyRequest needs at least one modification');
  const modifications: Modification[] = [];
  for (const m of mods) {
    refuseMustUnderstand(m);
    if (child(m, 'component')) {
      throw new DirgateError('ERR_UNSUPPORTED_OPERATION', 'modification components (XPath selections) are not supported; use dsml:modification', {
        reason: 'spml-selection',
      });
    }
    const dsmlMods = readModifications(m);
    const data = child(m, 'data');
    const mode = attr(m, 'modificationMode');
    if (dsmlMods.length) {
      if (data) throw malformed('a modification holds either dsml:modification elements or data, not both');
      modifications.push(...dsmlMods);
      continue;
    }
    if (!data) throw malformed('a modification needs dsml:modification elements or data with modificationMode');
    if (mode === undefined || !MODES.has(mode)) throw malformed('a modification with data needs modificationMode add, replace or delete');
    const attributes = readAttributes(data);
    if (!attributes.length) throw malformed('modification data holds no dsml:attr');
    for (const a of attributes) modifications.push({ operation: mode as Modification['operation'], attribute: a });
  }
  return { kind: 'modify', psoID, modifications, returnData: returnData(e) };
}

function iteratorId(e: XmlElement): string {
  const it = child(e, 'iterator');
  const id = it ? attr(it, 'ID') : undefined;
  if (!id) throw malformed(`${e.local} needs an iterator with an ID`);
  return id;
}

const SCOPES: ReadonlySet<string> = new Set(['pso', 'oneLevel', 'subTree']);

function readClause(c: XmlElement): QueryClause | undefined {
  if (isDsmlPayloadNamespace(c.uri)) {
    if (c.local === 'filter') return { type: 'filter', filter: readFilter(c) };
    if (c.local === 'attributes') return undefined;
    // A bare filter item directly in the query, as some peers write it.
    return { type: 'filter', filter: readFilter({ ...c, children: [c], local: 'filter' }) };
  }
  if (c.uri === NS.search && (c.local === 'and' || c.local === 'or')) {
    const clauses = c.children.map(readClause).filter((x): x is QueryClause => x !== undefined);
    if (!clauses.length) throw malformed(`spmlsearch:${c.local} needs at least one clause`);
    return { type: c.local, clauses };
  }
  if (c.uri === NS.search && c.local === 'not') {
    const clauses = c.children.map(readClause).filter((x): x is QueryClause => x !== undefined);
    if (clauses.length !== 1) throw malformed('spmlsearch:not needs exactly one clause');
    return { type: 'not', clause: clauses[0]! };
  }
  if (c.uri === NS.suspend && c.local === 'isActive') return { type: 'isActive' };
  if (c.uri === NS.spml && c.local === 'select') {
    throw new DirgateError('ERR_UNSUPPORTED_OPERATION', 'XPath selections are not supported; use dsml:filter', { reason: 'spml-selection' });
  }
  if (SPML_NAMESPACES.has(c.uri) && c.local === 'basePsoID') return undefined;
  throw malformed(`unexpected query clause {${c.uri}}${c.local}`);
}

function parseQuery(q: XmlElement): SearchQuery {
  const scope = attr(q, 'scope');
  if (scope !== undefined && !SCOPES.has(scope)) throw malformed('scope must be pso, oneLevel or subTree');
  const base = child(q, 'basePsoID');
  const attributeLists = dsmlChildren(q, 'attributes');
  if (attributeLists.length > 1) throw malformed('a query has at most one dsml:attributes');
  return {
    targetID: attr(q, 'targetID'),
    scope: scope as SearchScope | undefined,
    basePsoID: base ? readPso(base) : undefined,
    clauses: q.children.map(readClause).filter((x): x is QueryClause => x !== undefined),
    attributes: attributeLists[0] ? readAttributeList(attributeLists[0]) : undefined,
  };
}

function parseSearch(e: XmlElement): SpmlRequest {
  const q = child(e, 'query');
  const maxSelect = integer(attr(e, 'maxSelect'), 'maxSelect');
  if (maxSelect !== undefined && maxSelect < 1) throw malformed('maxSelect must be at least 1');
  return { kind: 'search', query: q ? parseQuery(q) : undefined, returnData: returnData(e), maxSelect };
}

function parseBatch(e: XmlElement): SpmlRequest {
  const processing = attr(e, 'processing') ?? 'sequential';
  const onError = attr(e, 'onError') ?? 'exit';
  if (processing !== 'sequential' && processing !== 'parallel') throw malformed('processing must be sequential or parallel');
  if (onError !== 'resume' && onError !== 'exit') throw malformed('onError must be resume or exit');
  const requests: ParsedRequest[] = [];
  const ids = new Set<string>();
  const own = attr(e, 'requestID');
  if (own !== undefined) ids.add(own);
  for (const c of e.children) {
    if (!SPML_NAMESPACES.has(c.uri)) throw malformed(`{${c.uri}}${c.local} is not an SPML request`);
    let item: ParsedRequest;
    try {
      item = parseRequestElement(c);
    } catch (err) {
      throw malformed(err instanceof Error ? err.message : String(err));
    }
    const id = item.ok ? item.request.requestID : item.requestID;
    if (id !== undefined) {
      if (ids.has(id)) throw malformed(`requestID "${id}" appears twice in the batch`);
      ids.add(id);
    }
    if (item.ok && item.request.kind === 'batch') {
      item = { ok: false, kind: 'batch', element: { ns: c.uri, local: c.local }, requestID: id, error: malformed('a batchRequest cannot hold another batchRequest') };
    }
    requests.push(item);
  }
  return { kind: 'batch', processing, onError, requests };
}
