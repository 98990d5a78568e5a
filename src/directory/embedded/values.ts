/**
 * Attribute values in the embedded directory: which ones are binary, and how
 * two values compare (the few matching rules a development directory needs:
 * case-ignore strings, distinguished names, octet strings, integers).
 */
import { isUtf8 } from 'node:buffer';
import type { Value } from '../model.js';
import { dnKey, foldValue, parseDn } from './dn.js';

/** Attribute types whose values are bytes whatever they look like. */
const BINARY_TYPES = new Set([
  'jpegphoto', 'photo', 'audio', 'usercertificate', 'cacertificate', 'certificaterevocationlist',
  'authorityrevocationlist', 'crosscertificatepair', 'deltarevocationlist', 'usersmimecertificate',
  'userpkcs12', 'objectguid', 'objectsid', 'thumbnailphoto',
]);

/** Attribute types with DN syntax: compared as names, not strings. */
const DN_TYPES = new Set([
  'member', 'uniquemember', 'manager', 'owner', 'seealso', 'secretary', 'roleoccupant', 'memberof',
  'entrydn', 'creatorsname', 'modifiersname', 'distinguishedname', 'aliasedobjectname', 'namingcontexts',
]);

/** Types compared byte for byte. */
const OCTET_TYPES = new Set(['userpassword', 'entryuuid', 'contextcsn']);

export interface AttributeDescription {
  /** The type as written, without the `;binary` transfer option. */
  type: string;
  /** Lowercased type: the key attributes are stored and looked up under. */
  key: string;
  /** True when the client asked for the `;binary` transfer option. */
  binaryOption: boolean;
}

/**
 * `userCertificate;binary` names the same attribute as `userCertificate` (the
 * option only says how to transfer it); other options stay part of the type.
 */
export function describeAttribute(description: string): AttributeDescription {
  const binaryOption = /;binary$/i.test(description);
  const type = binaryOption ? description.slice(0, -';binary'.length) : description;
  return { type, key: type.toLowerCase(), binaryOption };
}

export function isBinaryType(key: string): boolean {
  return BINARY_TYPES.has(key.toLowerCase());
}

export function isDnType(key: string): boolean {
  return DN_TYPES.has(key.toLowerCase());
}

/**
 * The stored form of a value: a Buffer for binary types and for bytes that are
 * not valid UTF-8, a string otherwise, so bytes always come back exactly.
 */
export function toStoredValue(key: string, raw: Value, forceBinary = false): Value {
  if (forceBinary || isBinaryType(key)) return Buffer.isBuffer(raw) ? Buffer.from(raw) : Buffer.from(raw, 'utf8');
  if (typeof raw === 'string') return raw;
  return isUtf8(raw) ? raw.toString('utf8') : Buffer.from(raw);
}

/** A value of a text attribute that arrived as bytes (from the wire) is compared as the text it is. */
function asText(key: string, value: Value): Value {
  return Buffer.isBuffer(value) && !isBinaryType(key) && isUtf8(value) ? value.toString('utf8') : value;
}

export function valueBytes(value: Value): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');
}

/** What two values of `key` are compared by: equal keys are equal values. */
export function matchKey(key: string, raw: Value): string {
  const k = key.toLowerCase();
  const value = asText(k, raw);
  if (Buffer.isBuffer(value) || isBinaryType(k) || OCTET_TYPES.has(k)) return `b:${valueBytes(value).toString('base64')}`;
  if (isDnType(k)) {
    try {
      return `d:${dnKey(parseDn(value))}`;
    } catch {
      return `s:${foldValue(value)}`;
    }
  }
  return `s:${foldValue(value)}`;
}

export function valuesEqual(key: string, a: Value, b: Value): boolean {
  return matchKey(key, a) === matchKey(key, b);
}

const INTEGER = /^\s*-?\d+\s*$/;

/**
 * Ordering for `>=` and `<=`: integers numerically, everything else by its
 * case-folded text (GeneralizedTime in one format orders correctly as text).
 */
export function compareValues(key: string, rawA: Value, rawB: Value): number {
  const a = asText(key, rawA);
  const b = asText(key, rawB);
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b) || isBinaryType(key)) return Buffer.compare(valueBytes(a), valueBytes(b));
  if (INTEGER.test(a) && INTEGER.test(b)) {
    const x = BigInt(a.trim());
    const y = BigInt(b.trim());
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = foldValue(a);
  const y = foldValue(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Loose form for `~=`: case, spaces and punctuation do not count. */
export function approxKey(value: Value): string {
  return foldValue(typeof value === 'string' ? value : value.toString('utf8')).replace(/[^\p{L}\p{N}]/gu, '');
}
