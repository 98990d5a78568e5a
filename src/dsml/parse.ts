/**
 * DSML request documents to the protocol model: the SOAP 1.1 or 1.2 envelope
 * (or a bare batchRequest), the Microsoft session headers, and every request
 * element of dsmlv2.xsd.
 *
 * Two kinds of failure, kept apart on purpose:
 *  - the document is not XML, not SOAP, not a batchRequest, or uses a refused
 *    construct: `parseDsmlDocument` throws (the route answers HTTP 400 with a
 *    SOAP Fault);
 *  - one request element is wrong (unknown element, bad filter, bad scope, bad
 *    base64, a refused URI, a limit): that element becomes a `rejected`
 *    operation whose response says what was wrong, and the batch goes on under
 *    its onError rule.
 */
import { DirgateError } from '../errors.js';
import type { Attribute, Control, DerefAliases, Modification, Scope, SearchRequest } from '../directory/model.js';
import type { DsmlConfig } from './config.js';
import { xmlDepthFor } from './config.js';
import { DSML_NS, MS_DSML_NS, SOAP11_NS, SOAP12_NS, type SoapVersion } from './constants.js';
import {
  attr, attributeName, booleanAttr, enumAttr, isDsml, maxIntAttr, NUMERIC_OID, requiredAttr, unexpected,
} from './elements.js';
import { readFilter, type FilterOptions } from './filter.js';
import type {
  AuthRequestModel, DsmlBatchRequest, DsmlOperation, DsmlRequestDocument, OperationKind, SessionHeader,
} from './types.js';
import { malformed, quote, readOpaque, readValue } from './values.js';
import { decodeBody } from './xml/decode.js';
import { parseXml, type XmlElement } from './xml/scanner.js';

/** Thrown for a document that is not a DSML request at all; `soap` says how to word the Fault. */
export class DsmlDocumentError extends Error {
  constructor(
    readonly error: DirgateError,
    readonly soap: SoapVersion | undefined,
    /** 'MustUnderstand' when a mandatory header was not understood; 'Client' otherwise. */
    readonly faultKind: 'Client' | 'MustUnderstand' = 'Client',
    readonly notUnderstood?: { ns: string; local: string },
  ) {
    super(error.message);
    this.name = 'DsmlDocumentError';
  }
}

export interface ParseOptions {
  config: DsmlConfig;
  /** Content-Type of the request, for its charset and to word a Fault before the envelope is read. */
  contentType?: string;
}

const SCOPES: Record<string, Scope> = { baseObject: 'base', singleLevel: 'one', wholeSubtree: 'sub' };
const DEREF: Record<string, DerefAliases> = {
  neverDerefAliases: 'never', derefInSearching: 'searching', derefFindingBaseObj: 'finding', derefAlways: 'always',
};
const MOD_OPS: Record<string, Modification['operation']> = { add: 'add', delete: 'delete', replace: 'replace' };
const PROCESSING = { sequential: 'sequential', parallel: 'parallel' } as const;
const RESPONSE_ORDER = { sequential: 'sequential', unordered: 'unordered' } as const;
const ON_ERROR = { exit: 'exit', resume: 'resume' } as const;

/** Which response element answers each request element. */
const ANSWERS: Record<string, OperationKind> = {
  searchRequest: 'search', addRequest: 'add', modifyRequest: 'modify', delRequest: 'delete',
  modDNRequest: 'modifyDN', compareRequest: 'compare', extendedRequest: 'extended', authRequest: 'auth',
};

interface Ctx {
  filter: FilterOptions;
  valuesPerAttribute: number;
}

function readControl(el: XmlElement): Control {
  const type = requiredAttr(el, 'type').trim();
  if (!NUMERIC_OID.test(type)) throw malformed(`control type ${quote(type)} is not a numeric OID`);
  const control: Control = { type, criticality: booleanAttr(el, 'criticality', false) };
  for (const child of el.children) {
    if (!isDsml(child) || child.local !== 'controlValue' || control.value) throw unexpected(child, el);
    control.value = readOpaque(child);
  }
  return control;
}

/** Splits an operation's children into its controls and the rest, in document order. */
function split(el: XmlElement): { controls: Control[]; rest: XmlElement[] } {
  const controls: Control[] = [];
  const rest: XmlElement[] = [];
  for (const child of el.children) {
    if (isDsml(child) && child.local === 'control') controls.push(readControl(child));
    else rest.push(child);
  }
  return { controls, rest };
}

function readAttribute(el: XmlElement, ctx: Ctx): Attribute {
  const type = attributeName(el);
  const values = [];
  for (const child of el.children) {
    if (!isDsml(child) || child.local !== 'value') throw unexpected(child, el);
    if (values.length >= ctx.valuesPerAttribute) {
      throw new DirgateError('ERR_LIMIT_EXCEEDED', `attribute ${quote(type)} carries more values than the configured maximum`, {
        reason: 'dsml-too-many-values',
      });
    }
    values.push(readValue(child, ctx.filter));
  }
  return { type, values };
}

function searchRequest(el: XmlElement, ctx: Ctx): DsmlOperation {
  const { controls, rest } = split(el);
  const dn = requiredAttr(el, 'dn');
  const scope = enumAttr(el, 'scope', SCOPES);
  const derefAliases = enumAttr(el, 'derefAliases', DEREF);
  const sizeLimit = maxIntAttr(el, 'sizeLimit');
  const timeLimit = maxIntAttr(el, 'timeLimit');
  const typesOnly = booleanAttr(el, 'typesOnly', false);
  let filterEl: XmlElement | undefined;
  let attributesEl: XmlElement | undefined;
  for (const child of rest) {
    if (isDsml(child) && child.local === 'filter' && !filterEl && !attributesEl) filterEl = child;
    else if (isDsml(child) && child.local === 'attributes' && !attributesEl) attributesEl = child;
    else throw unexpected(child, el);
  }
  if (!filterEl) throw malformed('<searchRequest> needs a <filter>');
  const filter = readFilter(filterEl, ctx.filter);
  const attributes: string[] = [];
  if (attributesEl) {
    for (const a of attributesEl.children) {
      if (!isDsml(a) || a.local !== 'attribute') throw unexpected(a, attributesEl);
      const name = requiredAttr(a, 'name').trim();
      // '*', '+' and '1.1' keep their LDAP meaning (RFC 4511 4.5.1.8, RFC 3673).
      attributes.push(name === '*' || name === '+' || name === '1.1' ? name : attributeName(a));
    }
  }
  const request: SearchRequest = { baseDN: dn, scope, derefAliases, sizeLimit, timeLimit, typesOnly, filter, attributes, controls };
  return { kind: 'search', requestID: attr(el, 'requestID'), request };
}

function addRequest(el: XmlElement, ctx: Ctx): DsmlOperation {
  const { controls, rest } = split(el);
  const dn = requiredAttr(el, 'dn');
  const attributes = rest.map((child) => {
    if (!isDsml(child) || child.local !== 'attr') throw unexpected(child, el);
    return readAttribute(child, ctx);
  });
  return { kind: 'add', requestID: attr(el, 'requestID'), request: { dn, attributes, controls } };
}

function modifyRequest(el: XmlElement, ctx: Ctx): DsmlOperation {
  const { controls, rest } = split(el);
  const dn = requiredAttr(el, 'dn');
  const changes = rest.map((child): Modification => {
    if (!isDsml(child) || child.local !== 'modification') throw unexpected(child, el);
    return { operation: enumAttr(child, 'operation', MOD_OPS), attribute: readAttribute(child, ctx) };
  });
  return { kind: 'modify', requestID: attr(el, 'requestID'), request: { dn, changes, controls } };
}

function noOtherChildren(el: XmlElement, rest: XmlElement[]): void {
  if (rest.length) throw unexpected(rest[0]!, el);
}

function delRequest(el: XmlElement): DsmlOperation {
  const { controls, rest } = split(el);
  noOtherChildren(el, rest);
  return { kind: 'delete', requestID: attr(el, 'requestID'), request: { dn: requiredAttr(el, 'dn'), controls } };
}

function modDNRequest(el: XmlElement): DsmlOperation {
  const { controls, rest } = split(el);
  noOtherChildren(el, rest);
  const dn = requiredAttr(el, 'dn');
  const newRDN = requiredAttr(el, 'newrdn');
  const newSuperior = attr(el, 'newSuperior');
  const request = { dn, newRDN, deleteOldRDN: booleanAttr(el, 'deleteoldrdn', true), controls, ...(newSuperior === undefined ? {} : { newSuperior }) };
  return { kind: 'modifyDN', requestID: attr(el, 'requestID'), request };
}

function compareRequest(el: XmlElement, ctx: Ctx): DsmlOperation {
  const { controls, rest } = split(el);
  const dn = requiredAttr(el, 'dn');
  if (rest.length !== 1 || !isDsml(rest[0]!) || rest[0]!.local !== 'assertion') {
    throw rest.length && !(isDsml(rest[0]!) && rest[0]!.local === 'assertion') ? unexpected(rest[0]!, el) : malformed('<compareRequest> takes exactly one <assertion>');
  }
  const assertion = rest[0]!;
  const attribute = attributeName(assertion);
  const values = assertion.children;
  if (values.length !== 1 || !isDsml(values[0]!) || values[0]!.local !== 'value') throw malformed('<assertion> takes exactly one <value>');
  return { kind: 'compare', requestID: attr(el, 'requestID'), request: { dn, attribute, value: readValue(values[0]!, ctx.filter), controls } };
}

function extendedRequest(el: XmlElement): DsmlOperation {
  const { controls, rest } = split(el);
  let oid: string | undefined;
  let value: Buffer | undefined;
  for (const child of rest) {
    if (isDsml(child) && child.local === 'requestName' && oid === undefined) {
      if (child.children.length) throw unexpected(child.children[0]!, child);
      oid = child.text.trim();
      if (!NUMERIC_OID.test(oid)) throw malformed(`requestName ${quote(oid)} is not a numeric OID`);
    } else if (isDsml(child) && child.local === 'requestValue' && oid !== undefined && value === undefined) {
      value = readOpaque(child);
    } else {
      throw unexpected(child, el);
    }
  }
  if (oid === undefined) throw malformed('<extendedRequest> needs a <requestName>');
  return { kind: 'extended', requestID: attr(el, 'requestID'), request: value === undefined ? { oid, controls } : { oid, value, controls } };
}

function abandonRequest(el: XmlElement): DsmlOperation {
  const { controls, rest } = split(el);
  noOtherChildren(el, rest);
  return { kind: 'abandon', requestID: attr(el, 'requestID'), abandonID: requiredAttr(el, 'abandonID'), controls };
}

function readAuthRequest(el: XmlElement): AuthRequestModel {
  const { controls, rest } = split(el);
  noOtherChildren(el, rest);
  return { requestID: attr(el, 'requestID'), principal: requiredAttr(el, 'principal'), controls };
}

function operation(el: XmlElement, ctx: Ctx): DsmlOperation {
  switch (el.local) {
    case 'searchRequest': return searchRequest(el, ctx);
    case 'addRequest': return addRequest(el, ctx);
    case 'modifyRequest': return modifyRequest(el, ctx);
    case 'delRequest': return delRequest(el);
    case 'modDNRequest': return modDNRequest(el);
    case 'compareRequest': return compareRequest(el, ctx);
    case 'extendedRequest': return extendedRequest(el);
    case 'abandonRequest': return abandonRequest(el);
    case 'authRequest': throw malformed('authRequest is only allowed as the first element of a batchRequest');
    default: throw malformed(`unknown request element <${el.local}>`);
  }
}

function rejected(el: XmlElement, error: DirgateError): DsmlOperation {
  const known = isDsml(el) ? ANSWERS[el.local] : undefined;
  return { kind: 'rejected', requestID: attr(el, 'requestID'), element: el.local, ...(known ? { answersAs: known } : {}), error };
}

/** The batch model of a batchRequest element. Never throws for a problem of one operation. */
export function readBatch(el: XmlElement, config: DsmlConfig): DsmlBatchRequest {
  const batch: DsmlBatchRequest = { requestID: attr(el, 'requestID'), processing: 'sequential', responseOrder: 'sequential', onError: 'exit', operations: [] };
  try {
    batch.processing = enumAttr(el, 'processing', PROCESSING, 'sequential');
    batch.responseOrder = enumAttr(el, 'responseOrder', RESPONSE_ORDER, 'sequential');
    batch.onError = enumAttr(el, 'onError', ON_ERROR, 'exit');
  } catch (err) {
    batch.invalid = err as DirgateError;
    return batch;
  }
  const ctx: Ctx = {
    filter: { maxDepth: config.limits.filterDepth, anyUriSchemes: config.anyUriSchemes },
    valuesPerAttribute: config.limits.valuesPerAttribute,
  };
  // Responses can only be matched to requests by requestID when they may come back in any order.
  const needIds = batch.processing === 'parallel' && batch.responseOrder === 'unordered';
  let first = true;
  for (const child of el.children) {
    if (first && isDsml(child) && child.local === 'authRequest') {
      first = false;
      try {
        batch.authRequest = readAuthRequest(child);
      } catch (err) {
        if (!(err instanceof DirgateError)) throw err;
        batch.operations.push(rejected(child, err));
        batch.authRequestRejected = true;
      }
      continue;
    }
    first = false;
    if (batch.operations.length >= config.limits.operationsPerBatch) {
      batch.invalid = new DirgateError('ERR_LIMIT_EXCEEDED', 'the batch holds more operations than the configured maximum', { reason: 'dsml-too-many-operations' });
      batch.operations = [];
      return batch;
    }
    try {
      if (!isDsml(child)) throw malformed(`unknown request element <${child.local}> in namespace ${quote(child.ns)}`);
      const op = operation(child, ctx);
      if (needIds && op.requestID === undefined) {
        throw malformed('a requestID is required on every request when processing is parallel and responseOrder is unordered');
      }
      batch.operations.push(op);
    } catch (err) {
      if (!(err instanceof DirgateError)) throw err;
      batch.operations.push(rejected(child, err));
    }
  }
  return batch;
}

function isTrue(v: string | undefined): boolean {
  return v !== undefined && (v.trim() === '1' || v.trim() === 'true');
}

function mustUnderstand(el: XmlElement, soapNs: string): boolean {
  for (const a of el.attrs) if (a.local === 'mustUnderstand' && a.ns === soapNs) return isTrue(a.value);
  return false;
}

/** The SessionID of a Session or EndSession header: qualified as .NET writes it, or unqualified. */
function sessionIdOf(el: XmlElement): string | undefined {
  for (const a of el.attrs) if (a.local === 'SessionID' && (a.ns === MS_DSML_NS || a.ns === '')) return a.value;
  return undefined;
}

function readHeader(header: XmlElement, soap: SoapVersion, soapNs: string, sessionsEnabled: boolean): SessionHeader | undefined {
  let session: SessionHeader | undefined;
  for (const block of header.children) {
    if (block.ns === MS_DSML_NS && sessionsEnabled && (block.local === 'BeginSession' || block.local === 'Session' || block.local === 'EndSession')) {
      // [MS-DSML]: each session header may appear once, and never two of them together.
      if (session) throw new DsmlDocumentError(malformed('only one session header is allowed per request', 'dsml-session-headers'), soap);
      if (block.local === 'BeginSession') {
        session = { kind: 'begin' };
      } else {
        const id = sessionIdOf(block);
        if (!id) throw new DsmlDocumentError(malformed(`<${block.local}> needs a SessionID`, 'dsml-session-headers'), soap);
        session = block.local === 'Session' ? { kind: 'continue', sessionId: id } : { kind: 'end', sessionId: id };
      }
      continue;
    }
    if (mustUnderstand(block, soapNs)) {
      const err = new DirgateError('ERR_MALFORMED_REQUEST', `the header <${block.local}> is not understood`, { reason: 'soap-must-understand' });
      throw new DsmlDocumentError(err, soap, 'MustUnderstand', { ns: block.ns, local: block.local });
    }
  }
  return session;
}

function notDsml(message: string, soap: SoapVersion | undefined): DsmlDocumentError {
  return new DsmlDocumentError(new DirgateError('ERR_MALFORMED_REQUEST', message, { reason: 'dsml-not-a-batch-request' }), soap);
}

function isBatchRequest(el: XmlElement): boolean {
  return el.local === 'batchRequest' && (el.ns === DSML_NS || el.ns === '');
}

/** The SOAP version a Fault should use when the envelope could not be read. */
export function soapVersionFromContentType(contentType: string | undefined): SoapVersion {
  return contentType && /^\s*application\/soap\+xml/i.test(contentType) ? '1.2' : '1.1';
}

/** Parses a whole request body. Throws DsmlDocumentError for anything that is not a usable DSML document. */
export function parseDsmlDocument(body: Buffer | string, options: ParseOptions): DsmlRequestDocument {
  const { config } = options;
  let root: XmlElement;
  try {
    const text = typeof body === 'string' ? body : decodeBody(body, options.contentType);
    root = parseXml(text, { maxDepth: xmlDepthFor(config.limits), maxElements: config.limits.elements });
  } catch (err) {
    if (err instanceof DirgateError) throw new DsmlDocumentError(err, undefined);
    throw err;
  }

  if (isBatchRequest(root)) return { batch: readBatch(root, config) };
  if (root.local !== 'Envelope' || (root.ns !== SOAP11_NS && root.ns !== SOAP12_NS)) {
    throw notDsml('the request is neither a SOAP envelope nor a DSML batchRequest', undefined);
  }
  const soap: SoapVersion = root.ns === SOAP11_NS ? '1.1' : '1.2';
  const soapNs = root.ns;
  let header: XmlElement | undefined;
  let bodyEl: XmlElement | undefined;
  for (const child of root.children) {
    if (child.ns === soapNs && child.local === 'Header' && !header && !bodyEl) header = child;
    else if (child.ns === soapNs && child.local === 'Body' && !bodyEl) bodyEl = child;
    else throw notDsml(`unexpected <${child.local}> in the SOAP envelope`, soap);
  }
  if (!bodyEl) throw notDsml('the SOAP envelope has no Body', soap);
  const session = header ? readHeader(header, soap, soapNs, config.sessions.enabled) : undefined;
  const payload = bodyEl.children;
  if (payload.length !== 1 || !isBatchRequest(payload[0]!)) {
    throw notDsml('the SOAP Body must hold exactly one DSML batchRequest', soap);
  }
  return { soap, ...(session ? { session } : {}), batch: readBatch(payload[0]!, config) };
}
