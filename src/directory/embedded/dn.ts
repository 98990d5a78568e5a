/**
 * Distinguished names for the embedded directory (RFC 4514): parse, print and
 * normalise. The normalised key lowercases types and values and hex-escapes every
 * special character, so a ',' in a key only ever separates RDNs and suffix tests
 * on keys are exact. Values are compared case-insensitively, as OpenLDAP does for
 * the naming attributes in use here (cn, uid, ou, dc, o, mail).
 */
import { DirgateError } from '../../errors.js';

export interface Ava { type: string; value: string }
/** One RDN: one or more attribute-value assertions (`cn=a+uid=b`). */
export type Rdn = Ava[];
/** RDNs from the leaf to the root, as written. */
export type Dn = Rdn[];

function invalid(input: string, why: string): DirgateError {
  return new DirgateError('ERR_INVALID_DN', `invalid DN "${input}": ${why}`, { reason: 'dn-syntax' });
}

const TYPE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)$/;

/** Parses an RFC 4514 string; the empty string is the root DSE's empty DN. */
export function parseDn(input: string): Dn {
  const dn: Dn = [];
  let i = 0;
  const n = input.length;
  const skipSpaces = () => { while (i < n && input[i] === ' ') i += 1; };
  skipSpaces();
  if (i === n) return dn;
  let rdn: Rdn = [];
  for (;;) {
    skipSpaces();
    const typeStart = i;
    while (i < n && input[i] !== '=' && input[i] !== ',' && input[i] !== '+') i += 1;
    if (input[i] !== '=') throw invalid(input, 'an attribute type must be followed by "="');
    const type = input.slice(typeStart, i).trim();
    if (!TYPE.test(type)) throw invalid(input, `"${type}" is not an attribute type`);
    i += 1;
    skipSpaces();
    const value = readValue();
    rdn.push({ type, value });
    if (i === n) { dn.push(rdn); break; }
    const sep = input[i];
    i += 1;
    if (sep === ',' || sep === ';') { dn.push(rdn); rdn = []; }
    else if (sep !== '+') throw invalid(input, `unexpected "${sep}"`);
    if (i === n) throw invalid(input, 'ends with a separator');
  }
  return dn;

  function readValue(): string {
    if (input[i] === '#') {
      const start = i + 1;
      i = start;
      while (i < n && /[0-9A-Fa-f]/.test(input[i]!)) i += 1;
      const hex = input.slice(start, i);
      skipSpaces();
      if (hex.length === 0 || hex.length % 2) throw invalid(input, 'bad hex value');
      return decodeBerString(Buffer.from(hex, 'hex'), input);
    }
    const bytes: number[] = [];
    let lastSignificant = 0;
    let quoted = false;
    if (input[i] === '"') { quoted = true; i += 1; }
    while (i < n) {
      const c = input[i]!;
      if (quoted && c === '"') { i += 1; skipSpaces(); return Buffer.from(bytes).toString('utf8'); }
      if (!quoted && (c === ',' || c === '+' || c === ';')) break;
      if (c === '\\') {
        const next = input[i + 1];
        if (next === undefined) throw invalid(input, 'ends with a lone backslash');
        if (/[0-9A-Fa-f]/.test(next) && /[0-9A-Fa-f]/.test(input[i + 2] ?? '')) {
          bytes.push(parseInt(input.slice(i + 1, i + 3), 16));
          i += 3;
        } else {
          bytes.push(...Buffer.from(next, 'utf8'));
          i += 2;
        }
        lastSignificant = bytes.length;
        continue;
      }
      bytes.push(...Buffer.from(c, 'utf8'));
      if (c !== ' ') lastSignificant = bytes.length;
      i += 1;
    }
    if (quoted) throw invalid(input, 'unterminated quoted value');
    // Unescaped trailing spaces are not part of the value (RFC 4514 section 3).
    return Buffer.from(bytes.slice(0, lastSignificant)).toString('utf8');
  }
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

/** RFC 4514 escaping for printing. */
export function escapeDnValue(value: string): string {
  let out = '';
  for (let k = 0; k < value.length; k += 1) {
    const c = value[k]!;
    if (',+"\\<>;='.includes(c)) out += `\\${c}`;
    else if (c === '\0') out += '\\00';
    else if ((k === 0 && (c === ' ' || c === '#')) || (k === value.length - 1 && c === ' ')) out += `\\${c}`;
    else out += c;
  }
  return out;
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
