/**
 * Responses -> XML text, written to validate against the OASIS SPMLv2 schemas:
 * element order as the types extend each other (open content, then
 * spml:errorMessage, then the type's own elements), local elements in the
 * namespace of the schema that declares them (spmlsearch:pso holds spml:psoID),
 * and the ErrorCode spelling of pstc_spmlv2_core.xsd.
 */
import type { SpmlErrorCode } from '../errors.js';
import type { ElementName, Pso, SpmlResponse, TargetDescription } from './model.js';
import { NS, PREFIX, type NamespaceKey } from './namespaces.js';
import { writeAttributes } from './dsml-profile.js';
import { el, escapeAttr, textEl, type Attrs } from './xml-write.js';

const S = PREFIX.spml;

type Kind = SpmlResponse['kind'];

const ELEMENT: Record<Exclude<Kind, 'unsupported'>, [NamespaceKey, string]> = {
  listTargets: ['spml', 'listTargetsResponse'],
  add: ['spml', 'addResponse'],
  lookup: ['spml', 'lookupResponse'],
  modify: ['spml', 'modifyResponse'],
  delete: ['spml', 'deleteResponse'],
  search: ['search', 'searchResponse'],
  iterate: ['search', 'iterateResponse'],
  closeIterator: ['search', 'closeIteratorResponse'],
  setPassword: ['password', 'setPasswordResponse'],
  expirePassword: ['password', 'expirePasswordResponse'],
  resetPassword: ['password', 'resetPasswordResponse'],
  validatePassword: ['password', 'validatePasswordResponse'],
  suspend: ['suspend', 'suspendResponse'],
  resume: ['suspend', 'resumeResponse'],
  active: ['suspend', 'activeResponse'],
  batch: ['batch', 'batchResponse'],
  status: ['async', 'statusResponse'],
  cancel: ['async', 'cancelResponse'],
};

function keyForUri(uri: string): NamespaceKey {
  const found = (Object.entries(NS) as [NamespaceKey, string][]).find(([, u]) => u === uri);
  if (!found) throw new Error(`no prefix for namespace ${uri}`);
  return found[0];
}

/** The response element answering a request element (used for unsupported requests). */
export function responseElementFor(request: ElementName): ElementName {
  return { ns: request.ns, local: request.local.replace(/Request$/, 'Response') };
}

function elementOf(r: SpmlResponse): [NamespaceKey, string] {
  if (r.kind === 'unsupported') {
    const e = responseElementFor(r.element);
    return [keyForUri(e.ns), e.local];
  }
  return ELEMENT[r.kind];
}

/** pstc_spmlv2_core.xsd spells this code "resultSetToLarge"; write what the schema accepts. */
function wireErrorCode(code: SpmlErrorCode): string {
  return code === 'resultSetTooLarge' ? 'resultSetToLarge' : code;
}

function collectNamespaces(r: SpmlResponse, into: Set<NamespaceKey>): void {
  into.add('spml');
  into.add(elementOf(r)[0]);
  switch (r.kind) {
    case 'listTargets': into.add('spmldsml'); break;
    case 'add': case 'lookup': case 'modify': if (r.pso?.data) addData(into); break;
    case 'search': case 'iterate': if (r.psos.some((p) => p.data)) addData(into); break;
    case 'batch': r.responses.forEach((x) => collectNamespaces(x, into)); break;
    case 'status': r.results.forEach((x) => collectNamespaces(x, into)); break;
    default: break;
  }
}

function addData(into: Set<NamespaceKey>): void {
  into.add('dsml');
  into.add('xsi');
  into.add('xsd');
}

function pso(p: Pso, name: string): string {
  return el(name, undefined,
    el(`${S}:psoID`, { ID: p.id, targetID: p.targetID }),
    p.data ? el(`${S}:data`, undefined, writeAttributes(p.data)) : undefined);
}

function target(t: TargetDescription): string {
  const D = PREFIX.spmldsml;
  const schema = el(`${D}:schema`, undefined,
    ...t.objectClasses.map((oc) => el(`${D}:objectClassDefinition`, { name: oc.name, description: oc.description },
      oc.attributes.length
        ? el(`${D}:memberAttributes`, undefined, ...oc.attributes.map((a) => el(`${D}:attributeDefinitionReference`, { name: a.name, required: a.required || undefined })))
        : undefined,
      oc.superiors.length
        ? el(`${D}:superiorClasses`, undefined, ...oc.superiors.map((s) => el(`${D}:objectClassDefinitionReference`, { name: s })))
        : undefined)),
    ...t.attributes.map((a) => el(`${D}:attributeDefinition`, { name: a.name, description: a.description, multivalued: a.multivalued, type: a.type })));
  const entities = t.entities.map((e) => el(`${S}:supportedSchemaEntity`, { targetID: t.targetID, entityName: e.name, isContainer: e.container }));
  const capabilities = t.capabilities.map((uri) => el(`${S}:capability`, { namespaceURI: uri },
    ...t.entities.map((e) => el(`${S}:appliesTo`, { targetID: t.targetID, entityName: e.name }))));
  return el(`${S}:target`, { targetID: t.targetID, profile: NS.spmldsml },
    el(`${S}:schema`, undefined, schema, ...entities),
    capabilities.length ? el(`${S}:capabilities`, undefined, ...capabilities) : undefined);
}

function body(r: SpmlResponse, ids: Set<string>): { open: string[]; own: string[]; attrs: Attrs } {
  const P = PREFIX;
  switch (r.kind) {
    case 'listTargets': return { open: [], own: r.targets.map(target), attrs: {} };
    case 'add': case 'lookup': case 'modify': return { open: [], own: r.pso ? [pso(r.pso, `${S}:pso`)] : [], attrs: {} };
    case 'search': case 'iterate': return {
      open: [],
      own: [...r.psos.map((p) => pso(p, `${P.search}:pso`)), r.iteratorID ? el(`${P.search}:iterator`, { ID: r.iteratorID }) : ''],
      attrs: {},
    };
    case 'resetPassword': return { open: [], own: r.password !== undefined ? [textEl(`${P.password}:password`, undefined, r.password)] : [], attrs: {} };
    case 'validatePassword': return { open: [], own: [], attrs: { valid: r.valid } };
    case 'active': return { open: [], own: [], attrs: { active: r.active } };
    case 'batch': return { open: r.responses.map((x) => renderResponse(x, false, ids)), own: [], attrs: {} };
    case 'status': return { open: r.results.map((x) => renderResponse(x, false, ids)), own: [], attrs: { asyncRequestID: r.asyncRequestID } };
    case 'cancel': return { open: [], own: [], attrs: { asyncRequestID: r.asyncRequestID } };
    default: return { open: [], own: [], attrs: {} };
  }
}

/**
 * One response element. With `declare`, the namespace declarations it needs go
 * on it (the outermost response); nested responses rely on their ancestors'.
 * requestID is an xsd:ID, unique in a document: a repeat (a statusResponse
 * echoing the ID of the job it reports on) is left out.
 */
export function renderResponse(r: SpmlResponse, declare = false, ids: Set<string> = new Set()): string {
  const [nsKey, local] = elementOf(r);
  const name = `${PREFIX[nsKey]}:${local}`;
  const requestID = r.requestID !== undefined && !ids.has(r.requestID) ? r.requestID : undefined;
  if (requestID !== undefined) ids.add(requestID);
  const { open, own, attrs } = body(r, ids);
  let decl = '';
  if (declare) {
    const needed = new Set<NamespaceKey>();
    collectNamespaces(r, needed);
    for (const k of needed) decl += ` xmlns:${PREFIX[k]}="${escapeAttr(NS[k])}"`;
  }
  const allAttrs: Attrs = { status: r.status, requestID, error: r.error ? wireErrorCode(r.error) : undefined, ...attrs };
  const rendered = el(name, allAttrs, ...open, ...r.errorMessages.map((m) => textEl(`${S}:errorMessage`, undefined, m)), ...own);
  return decl ? rendered.replace(/^<([^\s/>]+)/, `<$1${decl}`) : rendered;
}

const ENVELOPE_OPEN = `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${NS.soap}"><soap:Body>`;
const ENVELOPE_CLOSE = '</soap:Body></soap:Envelope>';

/** The whole HTTP body: the response in a SOAP Envelope, or bare when the request was bare. */
export function serializeResponse(r: SpmlResponse, mode: 'soap' | 'bare'): string {
  const inner = renderResponse(r, true);
  return mode === 'soap' ? `${ENVELOPE_OPEN}${inner}${ENVELOPE_CLOSE}` : `<?xml version="1.0" encoding="UTF-8"?>${inner}`;
}

/** A SOAP 1.1 Fault, for input that cannot be answered with an SPML response. */
export function serializeFault(faultcode: 'Client' | 'Server' | 'MustUnderstand', faultstring: string): string {
  return `${ENVELOPE_OPEN}${el('soap:Fault', undefined,
    textEl('faultcode', undefined, `soap:${faultcode}`),
    textEl('faultstring', undefined, faultstring))}${ENVELOPE_CLOSE}`;
}
