/**
 * The batchResponse, written directly as text (a generic XML builder measured
 * 13x slower on this path). Element order follows dsmlv2.xsd: in an LDAPResult
 * control*, resultCode, errorMessage?, referral*; in a searchResponse every
 * searchResultEntry, then every searchResultReference, then searchResultDone.
 *
 * Values: a Buffer is written as xsd:base64Binary; a string is written as text
 * unless XML cannot carry it or a reader may alter it (.NET's XmlDocument drops
 * white-space-only text; Apache Directory's request grammar, and readers built
 * like it, trim values), in which case its UTF-8 bytes go as base64, so every
 * client receives the exact value. The prefixes
 * `xsi:` and `xsd:` are always these two, because .NET and others compare the
 * literal text "xsd:base64Binary".
 */
import type { Control, Value } from '../directory/model.js';
import { DSML_NS, MS_DSML_NS, SOAP11_NS, SOAP12_NS, XSD_NS, XSI_NS, type SoapVersion } from './constants.js';
import { NUMERIC_OID } from './elements.js';
import { resultDescr } from './results.js';
import type { DsmlBatchResponse, DsmlResponse, LdapResultModel, SearchEntryModel } from './types.js';
import { escapeAttr, escapeDn, escapeText, hasIllegalXmlChars } from './xml/escape.js';

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

const RESULT_ELEMENT = {
  add: 'addResponse', modify: 'modifyResponse', delete: 'delResponse', modifyDN: 'modDNResponse',
  compare: 'compareResponse', auth: 'authResponse', extended: 'extendedResponse',
} as const;

// Anything a fast path cannot emit verbatim: markup characters, CR, characters XML forbids,
// surrogates (checked precisely on the slow path), and leading or trailing white space or controls.
const VALUE_CARE = /^[\x00-\x20]|[\x00-\x20]$|[&<>\x00-\x08\x0B-\x1F\uFFFE\uFFFF\uD800-\uDFFF]/;

function base64(bytes: Uint8Array): string {
  // A plain Uint8Array (structuredClone turns Buffers into them) has no base64 toString of its own.
  return (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('base64');
}

function base64Value(bytes: Uint8Array): string {
  return `<value xsi:type="xsd:base64Binary">${base64(bytes)}</value>`;
}

export function valueXml(v: Value): string {
  if (typeof v !== 'string') return base64Value(v);
  if (!VALUE_CARE.test(v)) return `<value>${v}</value>`;
  // Only non-empty strings get here (the test above cannot match an empty one).
  if (v.charCodeAt(0) <= 0x20 || v.charCodeAt(v.length - 1) <= 0x20 || hasIllegalXmlChars(v)) return base64Value(Buffer.from(v, 'utf8'));
  return `<value>${escapeText(v)}</value>`;
}

function rid(requestID: string | undefined): string {
  return requestID === undefined ? '' : ` requestID="${escapeAttr(requestID)}"`;
}

export function controlsXml(controls: readonly Control[] | undefined): string {
  if (!controls || controls.length === 0) return '';
  let out = '';
  for (const c of controls) {
    // The schema only admits numeric OIDs; a control without one cannot be written.
    if (!NUMERIC_OID.test(c.type)) continue;
    out += `<control type="${c.type}"${c.criticality ? ' criticality="true"' : ''}`;
    out += c.value === undefined ? '/>' : `><controlValue xsi:type="xsd:base64Binary">${base64(c.value)}</controlValue></control>`;
  }
  return out;
}

/** The content of an LDAPResult after its element's attributes: controls, resultCode, errorMessage, referrals. */
function resultBody(r: LdapResultModel): string {
  const descr = resultDescr(r.resultCode);
  let out = controlsXml(r.controls);
  out += `<resultCode code="${r.resultCode | 0}"${descr ? ` descr="${descr}"` : ''}/>`;
  if (r.errorMessage) out += `<errorMessage>${escapeText(r.errorMessage)}</errorMessage>`;
  if (r.referrals) for (const ref of r.referrals) out += `<referral>${escapeText(ref)}</referral>`;
  return out;
}

function resultOpen(name: string, requestID: string | undefined, r: LdapResultModel): string {
  return `<${name}${rid(requestID)}${r.matchedDN ? ` matchedDN="${escapeDn(r.matchedDN)}"` : ''}>`;
}

export function ldapResultXml(name: string, requestID: string | undefined, r: LdapResultModel): string {
  return `${resultOpen(name, requestID, r)}${resultBody(r)}</${name}>`;
}

export function searchEntryXml(requestID: string | undefined, e: SearchEntryModel): string {
  let out = `<searchResultEntry dn="${escapeDn(e.entry.dn)}"${rid(requestID)}>${controlsXml(e.controls)}`;
  for (const a of e.entry.attributes) {
    out += `<attr name="${escapeAttr(a.type)}">`;
    for (const v of a.values) out += valueXml(v);
    out += '</attr>';
  }
  return `${out}</searchResultEntry>`;
}

export function searchReferenceXml(requestID: string | undefined, uris: readonly string[]): string {
  let out = `<searchResultReference${rid(requestID)}>`;
  for (const u of uris) out += `<ref>${escapeText(u)}</ref>`;
  return `${out}</searchResultReference>`;
}

export function responseXml(r: DsmlResponse): string {
  switch (r.kind) {
    case 'error': {
      let out = `<errorResponse${rid(r.requestID)} type="${r.type}"`;
      out += r.message ? `><message>${escapeText(r.message)}</message></errorResponse>` : '/>';
      return out;
    }
    case 'search': {
      let out = `<searchResponse${rid(r.requestID)}>`;
      for (const e of r.entries) out += searchEntryXml(r.requestID, e);
      for (const ref of r.references) if (ref.length) out += searchReferenceXml(r.requestID, ref);
      return `${out}${ldapResultXml('searchResultDone', r.requestID, r.done)}</searchResponse>`;
    }
    case 'extended': {
      let out = resultOpen('extendedResponse', r.requestID, r.result) + resultBody(r.result);
      if (r.responseName && NUMERIC_OID.test(r.responseName)) out += `<responseName>${r.responseName}</responseName>`;
      if (r.response) out += `<response xsi:type="xsd:base64Binary">${base64(r.response)}</response>`;
      return `${out}</extendedResponse>`;
    }
    default:
      return ldapResultXml(RESULT_ELEMENT[r.kind], r.requestID, r.result);
  }
}

export interface EnvelopeOptions {
  soap?: SoapVersion;
  /** Session id for the Microsoft <Session> response header. */
  sessionId?: string;
}

const SOAP_PREFIX = { '1.1': 'soap', '1.2': 'env' } as const;

export function envelopeOpen(options: EnvelopeOptions): string {
  if (!options.soap) return XML_DECLARATION;
  const p = SOAP_PREFIX[options.soap];
  let out = `${XML_DECLARATION}<${p}:Envelope xmlns:${p}="${options.soap === '1.1' ? SOAP11_NS : SOAP12_NS}">`;
  if (options.sessionId !== undefined) {
    out += `<${p}:Header><ad:Session xmlns:ad="${MS_DSML_NS}" ad:SessionID="${escapeAttr(options.sessionId)}"/></${p}:Header>`;
  }
  return `${out}<${p}:Body>`;
}

export function envelopeClose(options: EnvelopeOptions): string {
  if (!options.soap) return '';
  const p = SOAP_PREFIX[options.soap];
  return `</${p}:Body></${p}:Envelope>`;
}

export function batchResponseOpen(requestID: string | undefined): string {
  return `<batchResponse xmlns="${DSML_NS}" xmlns:xsd="${XSD_NS}" xmlns:xsi="${XSI_NS}"${rid(requestID)}>`;
}

export const BATCH_RESPONSE_CLOSE = '</batchResponse>';

/** Where the executor puts responses as they are produced. */
export interface ResponseSink {
  /** A complete response for one operation. */
  response(r: DsmlResponse): void;
  /** One entry of the search now running (sequential processing streams its entries). */
  searchEntry(requestID: string | undefined, e: SearchEntryModel): void;
  searchReference(requestID: string | undefined, uris: string[]): void;
  /** Ends the search now running; `done` is its searchResultDone. */
  searchDone(requestID: string | undefined, done: LdapResultModel): void;
}

/**
 * Writes a whole batchResponse document as the executor produces it. `take()`
 * hands over what has been written so far, so a caller can stream it out.
 */
export class BatchResponseWriter implements ResponseSink {
  private out: string;
  private searchOpen = false;
  private refs: string[][] = [];

  constructor(private readonly envelope: EnvelopeOptions, requestID: string | undefined) {
    this.out = envelopeOpen(envelope) + batchResponseOpen(requestID);
  }

  get pendingLength(): number {
    return this.out.length;
  }

  /** What was written since the last take. */
  take(): string {
    const s = this.out;
    this.out = '';
    return s;
  }

  response(r: DsmlResponse): void {
    this.out += responseXml(r);
  }

  searchEntry(requestID: string | undefined, e: SearchEntryModel): void {
    if (!this.searchOpen) this.openSearch(requestID);
    this.out += searchEntryXml(requestID, e);
  }

  searchReference(requestID: string | undefined, uris: string[]): void {
    if (!this.searchOpen) this.openSearch(requestID);
    // References must follow every entry: held until the search ends.
    this.refs.push(uris);
  }

  searchDone(requestID: string | undefined, done: LdapResultModel): void {
    if (!this.searchOpen) this.openSearch(requestID);
    for (const ref of this.refs) if (ref.length) this.out += searchReferenceXml(requestID, ref);
    this.refs = [];
    this.out += `${ldapResultXml('searchResultDone', requestID, done)}</searchResponse>`;
    this.searchOpen = false;
  }

  /** Closes the batchResponse and the envelope. */
  end(): string {
    this.out += BATCH_RESPONSE_CLOSE + envelopeClose(this.envelope);
    return this.take();
  }

  private openSearch(requestID: string | undefined): void {
    this.out += `<searchResponse${rid(requestID)}>`;
    this.searchOpen = true;
  }
}

/** Collects responses into the model (executeBatch's result). */
export class BatchResponseCollector implements ResponseSink {
  readonly responses: DsmlResponse[] = [];
  private current: Extract<DsmlResponse, { kind: 'search' }> | undefined;

  response(r: DsmlResponse): void {
    this.responses.push(r);
  }

  searchEntry(requestID: string | undefined, e: SearchEntryModel): void {
    this.open(requestID).entries.push(e);
  }

  searchReference(requestID: string | undefined, uris: string[]): void {
    this.open(requestID).references.push(uris);
  }

  searchDone(requestID: string | undefined, done: LdapResultModel): void {
    const s = this.open(requestID);
    s.done = done;
    this.responses.push(s);
    this.current = undefined;
  }

  private open(requestID: string | undefined): Extract<DsmlResponse, { kind: 'search' }> {
    if (!this.current) {
      this.current = { kind: 'search', entries: [], references: [], done: { resultCode: 0 } };
      if (requestID !== undefined) this.current.requestID = requestID;
    }
    return this.current;
  }
}

/** A whole response document from the model. */
export function serializeBatchResponse(batch: DsmlBatchResponse, envelope: EnvelopeOptions = {}): string {
  let out = envelopeOpen(envelope) + batchResponseOpen(batch.requestID);
  for (const r of batch.responses) out += responseXml(r);
  return out + BATCH_RESPONSE_CLOSE + envelopeClose(envelope);
}
