/**
 * Distinguished names per RFC 4514: parse, format with escaping, normalise for
 * comparison, and move a DN from one base to another (the view's DN rewriting).
 *
 * Comparison treats attribute types case-insensitively and values as the common
 * naming attributes (uid, cn, ou, o, dc, mail) are matched: case-insensitively,
 * with leading, trailing and repeated inner spaces insignificant.
 */
import { DirgateError } from '../errors.js';

export interface Ava {
  type: string;
  /** The value, unescaped. A `#hex` value (BER) is kept in its textual form with `hex` set. */
  value: string;
  hex?: boolean;
}
export type Rdn = Ava[];
/** RDNs leaf first, as written. */
export type Dn = Rdn[];

const HEX_PAIR = /^[0-9a-fA-F]{2}$/;
const TYPE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)$/;

function invalid(text: string, why: string): DirgateError {
  return new DirgateError('ERR_INVALID_DN', `invalid DN "${text}": ${why}`);
}

/** Parses a DN string; throws ERR_INVALID_DN. The empty string is the root DN (no RDNs). */
export function parseDn(text: string): Dn {
  const rdns: Dn = [];
  let i = 0;
  const n = text.length;
  const skipSpaces = () => { while (i < n && text[i] === ' ') i += 1; };
  skipSpaces();
  if (i === n) return rdns;
  let rdn: Rdn = [];
  for (;;) {
    skipSpaces();
    const typeStart = i;
    while (i < n && text[i] !== '=' && text[i] !== ',' && text[i] !== '+' && text[i] !== ';') i += 1;
    if (text[i] !== '=') throw invalid(text, `attribute type without "=" at offset ${typeStart}`);
    let type = text.slice(typeStart, i).trim();
    if (/^oid\./i.test(type)) type = type.slice(4);
    if (!TYPE.test(type)) throw invalid(text, `bad attribute type "${type}"`);
    i += 1;
    skipSpaces();
    let ava: Ava;
    if (text[i] === '#') {
      const start = i;
      i += 1;
      while (i < n && /[0-9a-fA-F]/.test(text[i]!)) i += 1;
      const hex = text.slice(start + 1, i);
      if (hex.length === 0 || hex.length % 2 !== 0) throw invalid(text, 'bad hex value');
      ava = { type, value: `#${hex.toLowerCase()}`, hex: true };
      skipSpaces();
    } else if (text[i] === '"') {
      // RFC 1779 quoted value: accepted for compatibility, never produced.
      i += 1;
      const bytes: number[] = [];
      let closed = false;
      while (i < n) {
        const c = text[i]!;
        if (c === '"') { closed = true; i += 1; break; }
        if (c === '\\') {
          const pair = text.slice(i + 1, i + 3);
          if (HEX_PAIR.test(pair)) { bytes.push(parseInt(pair, 16)); i += 3; continue; }
          if (i + 1 >= n) throw invalid(text, 'dangling escape');
          bytes.push(...Buffer.from(text[i + 1]!, 'utf8'));
          i += 2;
          continue;
        }
        bytes.push(...Buffer.from(c, 'utf8'));
        i += 1;
      }
      if (!closed) throw invalid(text, 'unterminated quoted value');
      ava = { type, value: Buffer.from(bytes).toString('utf8') };
      skipSpaces();
    } else {
      // Plain runs are copied as text; only hex escapes go through bytes, so escaped
      // multi-byte sequences (\c3\a9) decode as one character.
      let value = '';
      let bytes: number[] = [];
      let runStart = i;
      let trailingUnescapedSpaces = 0;
      const flushBytes = () => {
        if (bytes.length === 0) return;
        const buf = Buffer.from(bytes);
        const decoded = buf.toString('utf8');
        if (!Buffer.from(decoded, 'utf8').equals(buf)) throw invalid(text, 'value is not valid UTF-8');
        value += decoded;
        bytes = [];
      };
      while (i < n) {
        const c = text[i]!;
        if (c === ',' || c === '+' || c === ';') break;
        if (c === '\\') {
          if (i > runStart) { flushBytes(); value += text.slice(runStart, i); }
          const pair = text.slice(i + 1, i + 3);
          if (HEX_PAIR.test(pair)) { bytes.push(parseInt(pair, 16)); i += 3; }
          else if (i + 1 < n && ' "#+,;<=>\\'.includes(text[i + 1]!)) { flushBytes(); value += text[i + 1]; i += 2; }
          else throw invalid(text, `bad escape at offset ${i}`);
          runStart = i;
          trailingUnescapedSpaces = 0;
          continue;
        }
        if (c === '"' || c === '<' || c === '>' || c === '\0') throw invalid(text, `unescaped "${c}" in a value`);
        if (bytes.length && i === runStart) flushBytes();
        trailingUnescapedSpaces = c === ' ' ? trailingUnescapedSpaces + 1 : 0;
        i += 1;
      }
      if (i > runStart) { flushBytes(); value += text.slice(runStart, i); }
      flushBytes();
      ava = { type, value: trailingUnescapedSpaces ? value.slice(0, value.length - trailingUnescapedSpaces) : value };
    }
    rdn.push(ava);
    if (i >= n) { rdns.push(rdn); break; }
    const sep = text[i]!;
    i += 1;
    if (sep === '+') continue;
    rdns.push(rdn);
    rdn = [];
    skipSpaces();
    if (i >= n) throw invalid(text, 'ends with a separator');
  }
  return rdns;
}

/** Escapes an attribute value for use in a DN string (RFC 4514 section 2.4). */
export function escapeDnValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i += 1) {
    const c = value[i]!;
    if ('"+,;<>\\'.includes(c)) out += `\\${c}`;
    else if (c === '\0') out += '\\00';
    else if (c === ' ' && (i === 0 || i === value.length - 1)) out += '\\ ';
    else if (c === '#' && i === 0) out += '\\#';
    else out += c;
  }
  return out;
}

export function formatRdn(rdn: Rdn): string {
  return rdn.map((a) => `${a.type}=${a.hex ? a.value : escapeDnValue(a.value)}`).join('+');
}

export function formatDn(dn: Dn): string {
  return dn.map(formatRdn).join(',');
}

/** `rdn('uid', 'alice')` -> `uid=alice`, escaped: build DNs from user input this way, never by concatenation. */
export function rdn(type: string, value: string): string {
  return formatRdn([{ type, value }]);
}

function normalizeValue(ava: Ava): string {
  if (ava.hex) return ava.value.toLowerCase();
  return ava.value.trim().replace(/\s+/g, ' ').toLowerCase();
}

function normalizeRdn(rdn: Rdn): string {
  return rdn
    .map((a) => `${a.type.toLowerCase()}=${a.hex ? normalizeValue(a) : escapeDnValue(normalizeValue(a))}`)
    .sort()
    .join('+');
}

/** A canonical string for comparing and keying DNs (not for display). */
export function normalizeDn(dn: string | Dn): string {
  const parsed = typeof dn === 'string' ? parseDn(dn) : dn;
  return parsed.map(normalizeRdn).join(',');
}

export function dnEquals(a: string | Dn, b: string | Dn): boolean {
  return normalizeDn(a) === normalizeDn(b);
}

function rdnsEqual(a: Rdn, b: Rdn): boolean {
  return normalizeRdn(a) === normalizeRdn(b);
}

/** True when `dn` is `base` or below it. */
export function isUnder(dn: string | Dn, base: string | Dn): boolean {
  const d = typeof dn === 'string' ? parseDn(dn) : dn;
  const b = typeof base === 'string' ? parseDn(base) : base;
  if (b.length > d.length) return false;
  const offset = d.length - b.length;
  for (let k = 0; k < b.length; k += 1) if (!rdnsEqual(d[offset + k]!, b[k]!)) return false;
  return true;
}

/** True when `dn` is strictly below `base`. */
export function isStrictlyUnder(dn: string | Dn, base: string | Dn): boolean {
  const d = typeof dn === 'string' ? parseDn(dn) : dn;
  const b = typeof base === 'string' ? parseDn(base) : base;
  return d.length > b.length && isUnder(d, b);
}

/** The RDNs of `dn` above `base` (leaf first); throws when `dn` is not under `base`. */
export function relativeRdns(dn: string | Dn, base: string | Dn): Rdn[] {
  const d = typeof dn === 'string' ? parseDn(dn) : dn;
  const b = typeof base === 'string' ? parseDn(base) : base;
  if (!isUnder(d, b)) throw new DirgateError('ERR_INTERNAL', 'relativeRdns: DN is not under the base');
  return d.slice(0, d.length - b.length);
}

/** Rewrites a DN under `fromBase` to the same position under `toBase`. */
export function rebaseDn(dn: string | Dn, fromBase: string | Dn, toBase: string | Dn): string {
  const t = typeof toBase === 'string' ? parseDn(toBase) : toBase;
  return formatDn([...relativeRdns(dn, fromBase), ...t]);
}

export function parentDn(dn: string | Dn): string {
  const d = typeof dn === 'string' ? parseDn(dn) : dn;
  return formatDn(d.slice(1));
}

/** The value of `type` in the DN's first RDN, if it names one. */
export function leafValue(dn: string | Dn, type: string): string | undefined {
  const d = typeof dn === 'string' ? parseDn(dn) : dn;
  const lower = type.toLowerCase();
  return d[0]?.find((a) => a.type.toLowerCase() === lower)?.value;
}
