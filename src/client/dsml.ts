/**
 * The client's side of DSMLv2 over SOAP 1.1: requests written from the shared
 * directory model (filters from structure, values escaped or sent as
 * base64Binary), and batchResponse documents read back into results and
 * entries. Enough of DSML for an application: search, add, modify, delete.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import type { Attribute, Entry, Filter, Modification, Scope, Value } from '../directory/model.js';

export const DSML_NS = 'urn:oasis:names:tc:DSML:2:0:core';
export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
const XSD_NS = 'http://www.w3.org/2001/XMLSchema';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
const XENC_NS = 'http://www.w3.org/2001/04/xmlenc#';

export type DsmlOperation =
  | { kind: 'search'; baseDN: string; scope?: Scope; filter?: Filter; attributes?: string[]; sizeLimit?: number; typesOnly?: boolean }
  | { kind: 'add'; dn: string; attributes: Attribute[] }
  | { kind: 'modify'; dn: string; changes: Modification[] }
  | { kind: 'delete'; dn: string };

export interface DsmlOutcome {
  /** The response element: searchResponse, addResponse, modifyResponse, delResponse, errorResponse, ... */
  kind: string;
  requestID?: string;
  /** LDAP result code (absent for errorResponse). */
  resultCode?: number;
  /** The result code's name (`success`, `strongerAuthRequired`, ...) or the errorResponse type. */
  descr?: string;
  errorMessage?: string;
  entries: Entry[];
}

const SCOPE: Record<Scope, string> = { base: 'baseObject', one: 'singleLevel', sub: 'wholeSubtree' };

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}

/** Text as text (white space kept: XML keeps it in content); bytes, and text XML cannot carry, as base64Binary. */
function valueXml(v: Value): string {
  if (typeof v !== 'string' || /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/.test(v)) {
    return `<value xsi:type="xsd:base64Binary">${Buffer.from(v).toString('base64')}</value>`;
  }
  return `<value>${escapeText(v)}</value>`;
}

export function filterXml(f: Filter): string {
  const name = (a: string) => `name="${escapeAttr(a)}"`;
  switch (f.type) {
    case 'and': return `<and>${f.filters.map(filterXml).join('')}</and>`;
    case 'or': return `<or>${f.filters.map(filterXml).join('')}</or>`;
    case 'not': return `<not>${filterXml(f.filter)}</not>`;
    case 'equality': return `<equalityMatch ${name(f.attribute)}>${valueXml(f.value)}</equalityMatch>`;
    case 'greaterOrEqual': return `<greaterOrEqual ${name(f.attribute)}>${valueXml(f.value)}</greaterOrEqual>`;
    case 'lessOrEqual': return `<lessOrEqual ${name(f.attribute)}>${valueXml(f.value)}</lessOrEqual>`;
    case 'approx': return `<approxMatch ${name(f.attribute)}>${valueXml(f.value)}</approxMatch>`;
    case 'present': return `<present ${name(f.attribute)}/>`;
    case 'substrings': {
      const part = (tag: string, v: Value | undefined) => (v === undefined ? '' : valueXml(v).replace(/^<value/, `<${tag}`).replace(/value>$/, `${tag}>`));
      return `<substrings ${name(f.attribute)}>${part('initial', f.initial)}${f.any.map((v) => part('any', v)).join('')}${part('final', f.final)}</substrings>`;
    }
    case 'extensible': {
      const attrs = [
        f.attribute ? name(f.attribute) : '', f.matchingRule ? `matchingRule="${escapeAttr(f.matchingRule)}"` : '', f.dnAttributes ? 'dnAttributes="true"' : '',
      ].filter(Boolean).join(' ');
      return `<extensibleMatch ${attrs}>${valueXml(f.value)}</extensibleMatch>`;
    }
  }
}

function operationXml(op: DsmlOperation, requestID: string): string {
  const id = `requestID="${requestID}"`;
  switch (op.kind) {
    case 'search': {
      const attrs = (op.attributes ?? []).map((a) => `<attribute name="${escapeAttr(a)}"/>`).join('');
      const filter = filterXml(op.filter ?? { type: 'present', attribute: 'objectClass' });
      return `<searchRequest ${id} dn="${escapeAttr(op.baseDN)}" scope="${SCOPE[op.scope ?? 'base']}" derefAliases="neverDerefAliases"`
        + `${op.sizeLimit ? ` sizeLimit="${op.sizeLimit}"` : ''}${op.typesOnly ? ' typesOnly="true"' : ''}>`
        + `<filter>${filter}</filter>${attrs ? `<attributes>${attrs}</attributes>` : ''}</searchRequest>`;
    }
    case 'add':
      return `<addRequest ${id} dn="${escapeAttr(op.dn)}">${op.attributes.map((a) => `<attr name="${escapeAttr(a.type)}">${a.values.map(valueXml).join('')}</attr>`).join('')}</addRequest>`;
    case 'modify':
      return `<modifyRequest ${id} dn="${escapeAttr(op.dn)}">${op.changes.map((c) => (
        `<modification name="${escapeAttr(c.attribute.type)}" operation="${c.operation}">${c.attribute.values.map(valueXml).join('')}</modification>`
      )).join('')}</modifyRequest>`;
    case 'delete':
      return `<delRequest ${id} dn="${escapeAttr(op.dn)}"/>`;
  }
}

/** The batchRequest element alone (what an encrypted request carries). */
export function batchRequestXml(ops: readonly DsmlOperation[]): string {
  return `<batchRequest xmlns="${DSML_NS}" xmlns:xsd="${XSD_NS}" xmlns:xsi="${XSI_NS}" processing="sequential" onError="resume">`
    + ops.map((op, i) => operationXml(op, String(i + 1))).join('')
    + '</batchRequest>';
}

/** A SOAP 1.1 envelope around a Body payload (a batchRequest, or its EncryptedData). */
export function soapEnvelope(bodyContent: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${SOAP11_NS}"><soap:Body>${bodyContent}</soap:Body></soap:Envelope>`;
}

/** The EncryptedData element inside a SOAP answer, when the answer is encrypted. */
export function encryptedDataOf(xml: string): string | undefined {
  if (!xml.includes(XENC_NS)) return undefined;
  const start = /<((?:[A-Za-z_][\w.-]*:)?)EncryptedData[\s/>]/.exec(xml);
  if (!start) return undefined;
  const close = `</${start[1]}EncryptedData>`;
  const end = xml.indexOf(close, start.index);
  return end < 0 ? undefined : xml.slice(start.index, end + close.length);
}

export class DsmlAnswerError extends Error {
  constructor(message: string, readonly fault?: string) {
    super(message);
    this.name = 'DsmlAnswerError';
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The gateway sends text as base64 too where XML would not carry it exactly
 * (white space at the ends, control characters): bytes that read as UTF-8 come
 * back as text, anything else as bytes.
 */
function decodeBase64Value(text: string): Value {
  const bytes = Buffer.from(text.replace(/\s+/g, ''), 'base64');
  try {
    return utf8.decode(bytes);
  } catch {
    return bytes;
  }
}

/** Reads a batchResponse (bare or in a SOAP Body); a SOAP Fault becomes a DsmlAnswerError. */
export function parseBatchResponse(xml: string): DsmlOutcome[] {
  const parser = new SaxesParser({ xmlns: true });
  const outcomes: DsmlOutcome[] = [];
  const stack: string[] = [];
  let current: DsmlOutcome | undefined;
  let entry: Entry | undefined;
  let attr: Attribute | undefined;
  let text = '';
  let base64 = false;
  let fault: string | undefined;
  let failure: Error | undefined;
  parser.on('error', (e) => { failure ??= e; });
  parser.on('opentag', (tag: SaxesTagNS) => {
    stack.push(tag.local);
    text = '';
    const a = (n: string) => tag.attributes[n]?.value;
    if (tag.uri === SOAP11_NS && tag.local === 'Fault') fault = '';
    if (tag.uri !== DSML_NS) return;
    switch (tag.local) {
      case 'batchResponse':
        return;
      case 'searchResultEntry':
        entry = { dn: a('dn') ?? '', attributes: [] };
        return;
      case 'attr':
        attr = { type: a('name') ?? '', values: [] };
        return;
      case 'value':
        base64 = /base64Binary$/.test(tag.attributes['xsi:type']?.value ?? Object.values(tag.attributes).find((x) => x.local === 'type')?.value ?? '');
        return;
      case 'resultCode':
        if (current) {
          current.resultCode = Number(a('code'));
          const descr = a('descr');
          if (descr !== undefined) current.descr = descr;
        }
        return;
      case 'searchResultDone':
      case 'searchResultReference':
      case 'errorMessage':
      case 'message':
      case 'control':
      case 'controlValue':
      case 'referral':
      case 'matchedDN':
        return;
      default:
        if (stack.length >= 2 && stack[stack.length - 2] === 'batchResponse') {
          current = { kind: tag.local, entries: [] };
          const rid = a('requestID');
          if (rid !== undefined) current.requestID = rid;
          if (tag.local === 'errorResponse') current.descr = a('type') ?? 'other';
          outcomes.push(current);
        }
    }
  });
  parser.on('text', (t) => { text += t; });
  parser.on('closetag', (tag: SaxesTagNS) => {
    stack.pop();
    if (fault !== undefined && tag.local === 'faultstring') fault = text;
    if (tag.uri !== DSML_NS) return;
    switch (tag.local) {
      case 'value':
        if (attr) attr.values.push(base64 ? decodeBase64Value(text) : text);
        break;
      case 'attr':
        if (entry && attr) entry.attributes.push(attr);
        attr = undefined;
        break;
      case 'searchResultEntry':
        if (current && entry) current.entries.push(entry);
        entry = undefined;
        break;
      case 'errorMessage':
      case 'message':
        if (current) current.errorMessage = text;
        break;
      case 'searchResultDone':
        break;
    }
  });
  try {
    parser.write(xml).close();
  } catch (err) {
    throw new DsmlAnswerError(`the answer is not well-formed XML: ${(err as Error).message}`);
  }
  if (failure) throw new DsmlAnswerError(`the answer is not well-formed XML: ${failure.message}`);
  if (fault !== undefined) throw new DsmlAnswerError(`SOAP Fault: ${fault}`, fault);
  return outcomes;
}
