/**
 * DSML values on the way in: DsmlValue is a union of xsd:string,
 * xsd:base64Binary and xsd:anyURI chosen by xsi:type. Text is taken exactly as
 * the XML parser delivered it (never trimmed); base64 is checked strictly; a URI
 * is never fetched (a data: URI stands for its own bytes, other allowed schemes
 * keep the URI text, anything else is refused with unresolvableURI).
 */
import { DirgateError } from '../errors.js';
import type { Value } from '../directory/model.js';
import { XSD_NS, XSI_NS } from './constants.js';
import { lookupNs, type XmlElement } from './xml/scanner.js';

export type ValueType = 'string' | 'base64Binary' | 'anyURI';

export function malformed(message: string, reason = 'dsml-malformed-request'): DirgateError {
  return new DirgateError('ERR_MALFORMED_REQUEST', message, { reason });
}

/** Client input quoted in an error message: short and on one line. */
export function quote(text: string): string {
  const one = text.replace(/[\s\u0000-\u001f]+/g, ' ');
  return JSON.stringify(one.length > 64 ? `${one.slice(0, 61)}...` : one);
}

/** The xsi:type of an element, resolved to a type of XML Schema's namespace. */
export function xsiType(el: XmlElement): ValueType | undefined {
  let raw: string | undefined;
  for (const a of el.attrs) {
    if (a.local === 'type' && a.ns === XSI_NS) { raw = a.value; break; }
  }
  if (raw === undefined) return undefined;
  const qname = raw.trim();
  const colon = qname.indexOf(':');
  const prefix = colon === -1 ? '' : qname.slice(0, colon);
  const local = colon === -1 ? qname : qname.slice(colon + 1);
  const ns = lookupNs(el.scope, prefix);
  // Clients that compare the literal text (several do) write "xsd:"; accept it unbound as well.
  const inXsd = ns === XSD_NS || (ns === undefined && (prefix === 'xsd' || prefix === 'xs'));
  if (inXsd && (local === 'string' || local === 'base64Binary' || local === 'anyURI')) return local;
  throw malformed(`unsupported xsi:type ${quote(raw)} on <${el.local}>`);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict xsd:base64Binary: white space anywhere is ignored, anything else must be canonical base64. */
export function decodeBase64(text: string, where: string): Buffer {
  const compact = /\s/.test(text) ? text.replace(/\s+/g, '') : text;
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) throw malformed(`invalid base64 in <${where}>`, 'dsml-bad-base64');
  return Buffer.from(compact, 'base64');
}

function decodeDataUri(uri: string): Buffer {
  const comma = uri.indexOf(',');
  if (comma === -1) throw malformed('malformed data: URI');
  const meta = uri.slice(5, comma);
  let data: string;
  try {
    data = decodeURIComponent(uri.slice(comma + 1));
  } catch {
    throw malformed('malformed data: URI');
  }
  return /;base64$/i.test(meta) ? decodeBase64(data, 'value') : Buffer.from(data, 'utf8');
}

export interface ValueOptions {
  anyUriSchemes: readonly string[];
}

/** The value of a DsmlValue element (`value`, `initial`, `any`, `final`). */
export function readValue(el: XmlElement, options: ValueOptions): Value {
  if (el.children.length) throw malformed(`<${el.local}> must hold text only`);
  const type = xsiType(el);
  if (type === undefined || type === 'string') return el.text;
  if (type === 'base64Binary') return decodeBase64(el.text, el.local);
  const uri = el.text.trim();
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  if (!scheme || !options.anyUriSchemes.includes(scheme)) {
    throw new DirgateError('ERR_UNRESOLVABLE_URI', scheme ? `URI values with the scheme ${quote(scheme)} are not accepted` : 'URI values are not accepted', {
      reason: 'dsml-uri-refused',
    });
  }
  return scheme === 'data' ? decodeDataUri(uri) : uri;
}

/** The bytes of an xsd:anyType carrier (controlValue, requestValue): base64 when typed so, UTF-8 text otherwise. */
export function readOpaque(el: XmlElement): Buffer {
  if (el.children.length) throw malformed(`<${el.local}> must hold text only`);
  const type = xsiType(el);
  if (type === 'base64Binary') return decodeBase64(el.text, el.local);
  if (type === 'anyURI') throw new DirgateError('ERR_UNRESOLVABLE_URI', `URI values are not accepted in <${el.local}>`, { reason: 'dsml-uri-refused' });
  return Buffer.from(el.text, 'utf8');
}
