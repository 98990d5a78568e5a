/**
 * Just enough RFC 4514 to place PSOs: split a DN into RDNs, compare DNs the
 * way directories usually do (attribute types and values case-insensitively,
 * escapes resolved), find a parent, and build an RDN from a value with the
 * escaping the RFC requires. Throws ERR_INVALID_DN on text that is not a DN.
 */
import { DirgateError } from '../errors.js';

export interface Ava { type: string; value: string }
export type Rdn = Ava[];

function invalid(dn: string, why: string): DirgateError {
  return new DirgateError('ERR_INVALID_DN', `"${dn}" is not a valid DN: ${why}`, { reason: 'dn-invalid' });
}

function decodeHexPairs(hex: string): string {
  return Buffer.from(hex, 'hex').toString('utf8');
}

/** Parses a DN string into RDNs, most specific first. The empty DN gives []. */
export function parseDn(dn: string): Rdn[] {
  const rdns: Rdn[] = [];
  if (dn.trim() === '') return rdns;
  let i = 0;
  let current: Rdn = [];
  const n = dn.length;
  while (i < n) {
    while (i < n && dn[i] === ' ') i++;
    const typeStart = i;
    while (i < n && dn[i] !== '=') {
      if (dn[i] === ',' || dn[i] === '+') throw invalid(dn, 'attribute type without a value');
      i++;
    }
    if (i >= n) throw invalid(dn, 'missing "="');
    const type = dn.slice(typeStart, i).trim();
    if (!/^([A-Za-z][A-Za-z0-9-]*|[0-9]+(\.[0-9]+)*)$/.test(type)) throw invalid(dn, `bad attribute type "${type}"`);
    i++; // '='
    let value = '';
    if (dn[i] === '#') {
      const m = /^#([0-9A-Fa-f]{2})+/.exec(dn.slice(i));
      if (!m) throw invalid(dn, 'bad hex value');
      value = m[0];
      i += m[0].length;
    } else {
      let pendingHex = '';
      let trailingSpaces = 0;
      while (i < n && dn[i] !== ',' && dn[i] !== '+') {
        const c = dn[i]!;
        if (c === '\\') {
          const next = dn.slice(i + 1, i + 3);
          if (/^[0-9A-Fa-f]{2}$/.test(next)) {
            pendingHex += next;
            i += 3;
            trailingSpaces = 0;
            continue;
          }
          if (i + 1 >= n) throw invalid(dn, 'dangling escape');
          if (pendingHex) { value += decodeHexPairs(pendingHex); pendingHex = ''; }
          value += dn[i + 1];
          i += 2;
          trailingSpaces = 0;
          continue;
        }
        if (pendingHex) { value += decodeHexPairs(pendingHex); pendingHex = ''; }
        if (c === '"' || c === ';' || c === '<' || c === '>') throw invalid(dn, `unescaped "${c}"`);
        value += c;
        trailingSpaces = c === ' ' ? trailingSpaces + 1 : 0;
        i++;
      }
      if (pendingHex) value += decodeHexPairs(pendingHex);
      if (trailingSpaces) value = value.slice(0, value.length - trailingSpaces);
    }
    current.push({ type, value });
    if (i < n && dn[i] === '+') { i++; continue; }
    rdns.push(current);
    current = [];
    if (i < n && dn[i] === ',') {
      i++;
      if (i >= n) throw invalid(dn, 'trailing ","');
    }
  }
  if (current.length) rdns.push(current);
  return rdns;
}

/** Escapes a value for use in an RDN (RFC 4514 section 2.4). */
export function escapeDnValue(value: string): string {
  let out = value.replace(/[\\,+"<>;=\0]/g, (c) => (c === '\0' ? '\\00' : `\\${c}`));
  if (out.startsWith(' ') || out.startsWith('#')) out = `\\${out}`;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}

function formatRdn(rdn: Rdn): string {
  return rdn.map((a) => `${a.type}=${a.value.startsWith('#') && /^#([0-9A-Fa-f]{2})+$/.test(a.value) ? a.value : escapeDnValue(a.value)}`).join('+');
}

export function formatDn(rdns: Rdn[]): string {
  return rdns.map(formatRdn).join(',');
}

/** A comparison key: types and values lower-cased, multi-valued RDNs sorted. */
export function normalizeDn(dn: string): string {
  return parseDn(dn)
    .map((rdn) => rdn
      .map((a) => `${a.type.toLowerCase()}=${escapeDnValue(a.value.toLowerCase().replace(/\s+/g, ' ').trim())}`)
      .sort()
      .join('+'))
    .join(',');
}

export function sameDn(a: string, b: string): boolean {
  return normalizeDn(a) === normalizeDn(b);
}

/** True when `dn` is `base` or lies below it. */
export function isWithin(dn: string, base: string): boolean {
  const d = normalizeDn(dn);
  const b = normalizeDn(base);
  if (b === '') return true;
  return d === b || d.endsWith(`,${b}`);
}

/** Number of RDNs: deeper entries have more. */
export function dnDepth(dn: string): number {
  return parseDn(dn).length;
}

export function parentDn(dn: string): string {
  return formatDn(parseDn(dn).slice(1));
}

/** `<type>=<escaped value>,<parent>` */
export function childDn(type: string, value: string, parent: string): string {
  const rdn = `${type}=${escapeDnValue(value)}`;
  return parent.trim() === '' ? rdn : `${rdn},${parent}`;
}

/** The first RDN's attribute type and value. */
export function leafRdn(dn: string): Rdn | undefined {
  return parseDn(dn)[0];
}
