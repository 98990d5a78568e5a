/**
 * Distinguished names for the embedded directory (RFC 4514): parse, print and
 * normalise. The normalised key lowercases types and values and hex-escapes every
 * special character, so a ',' in a key only ever separates RDNs and suffix tests
 * on keys are exact. Values are compared case-insensitively, as OpenLDAP does for
 * the naming attributes in use here (cn, uid, ou, dc, o, mail).
 */
import { DirgateError } from '../../errors.js';
import { escapeDnValue as escapeRfc4514, parseDn as parseRfc4514, type Ava as ParsedAva } from '../dn.js';

export interface Ava { type: string; value: string }
/** One RDN: one or more attribute-value assertions (`cn=a+uid=b`). */
export type Rdn = Ava[];
/** RDNs from the leaf to the root, as written. */
export type Dn = Rdn[];

function invalid(input: string, why: string): DirgateError {
  return new DirgateError('ERR_INVALID_DN', `invalid DN "${input}": ${why}`, { reason: 'dn-syntax' });
}

/**
 * Parses an RFC 4514 string with the directory's parser (the empty string is
 * the root DSE's empty DN); a `#`-value is decoded here, so that `cn=#04024869`
 * names the same entry as `cn=Hi`, as it does in OpenLDAP.
 */
export function parseDn(input: string): Dn {
  return parseRfc4514(input).map((rdn) => rdn.map((ava) => decodeAva(ava, input)));
}

function decodeAva(ava: ParsedAva, input: string): Ava {
  if (!ava.hex) return { type: ava.type, value: ava.value };
  return { type: ava.type, value: decodeBerString(Buffer.from(ava.value.slice(1), 'hex'), input) };
}

/** A `#`-value is a BER encoding; only an OCTET/UTF8/printable string is accepted. */
function decodeBerString(ber: Buffer, input: string): string {
  const tag = ber[0];
  let len = ber[1] ?? -1;
  let offset = 2;
  if (len & 0x80) {
    const count = len & 0x7f;
    len = 0;
    for (let k = 0; k < count; k += 1) len = len * 256 + (ber[offset + k] ?? 0);
    offset += count;
  }
  if (![0x04, 0x0c, 0x13, 0x16].includes(tag ?? -1) || offset + len !== ber.length) throw invalid(input, 'unsupported BER value');
  return ber.subarray(offset).toString('utf8');
}

/** RFC 4514 escaping for printing, with '=' escaped too (allowed, and how this directory has always printed names). */
export function escapeDnValue(value: string): string {
  return escapeRfc4514(value).replaceAll('=', '\\=');
}

export function formatRdn(rdn: Rdn): string {
  return rdn.map((a) => `${a.type}=${escapeDnValue(a.value)}`).join('+');
}

export function formatDn(dn: Dn): string {
  return dn.map(formatRdn).join(',');
}

/** Case-folded, space-collapsed form of a directory string, used to compare values. */
export function foldValue(value: string): string {
  return value.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
}

function hexEscapeKey(value: string): string {
  return value.replace(/[,+"\\<>;=#\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function rdnKey(rdn: Rdn): string {
  return rdn
    .map((a) => `${a.type.toLowerCase()}=${hexEscapeKey(foldValue(a.value))}`)
    .sort()
    .join('+');
}

/** The comparison key of a DN: equal keys mean the same entry. */
export function dnKey(dn: Dn): string {
  return dn.map(rdnKey).join(',');
}

/** Parses and normalises in one step. */
export function keyOf(dnString: string): string {
  return dnKey(parseDn(dnString));
}

/** True when `key` names `ancestorKey` itself or an entry below it. */
export function isWithin(key: string, ancestorKey: string): boolean {
  if (ancestorKey === '') return true;
  return key === ancestorKey || key.endsWith(`,${ancestorKey}`);
}
