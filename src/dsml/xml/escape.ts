/**
 * Escaping for the hand-written serializer. Each function tests for the rare
 * characters first so the common value is returned as it is.
 *
 * XML 1.0 cannot carry C0 controls (other than tab, newline, carriage return),
 * U+FFFE/U+FFFF or unpaired surrogates at all; values holding them go as base64
 * (see serialize.ts), and names or messages get them replaced here.
 */

const ILLEGAL = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const ILLEGAL_G = new RegExp(ILLEGAL.source, 'g');

export function hasIllegalXmlChars(s: string): boolean {
  return ILLEGAL.test(s);
}

const TEXT_SPECIAL = /[&<>\r\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF\uD800-\uDFFF]/;
const TEXT_REPLACE = /[&<>\r]/g;
const ATTR_SPECIAL = /[&<>"\t\n\r\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF\uD800-\uDFFF]/;
const ATTR_REPLACE = /[&<>"\t\n\r]/g;

const ENTITY: Record<string, string> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;',
};
const entity = (c: string): string => ENTITY[c]!;

/** Character data. Carriage returns become &#13; so XML's line-end normalisation cannot eat them. */
export function escapeText(s: string): string {
  if (!TEXT_SPECIAL.test(s)) return s;
  return (ILLEGAL.test(s) ? s.replace(ILLEGAL_G, '\uFFFD') : s).replace(TEXT_REPLACE, entity);
}

/** An attribute value; tab, newline and carriage return are escaped so attribute normalisation keeps them. */
export function escapeAttr(s: string): string {
  if (!ATTR_SPECIAL.test(s)) return s;
  return (ILLEGAL.test(s) ? s.replace(ILLEGAL_G, '\uFFFD') : s).replace(ATTR_REPLACE, entity);
}

/**
 * A DN as an attribute value. Characters XML cannot carry are written the way
 * RFC 4514 escapes them (backslash and two hex digits per UTF-8 byte), so the
 * DN still names the same entry.
 */
export function escapeDn(dn: string): string {
  if (!ATTR_SPECIAL.test(dn)) return dn;
  const safe = ILLEGAL.test(dn)
    ? dn.replace(ILLEGAL_G, (c) => [...Buffer.from(c, 'utf8')].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join(''))
    : dn;
  return safe.replace(ATTR_REPLACE, entity);
}
