/**
 * Distinguished names, parsed only as far as the subtree rule needs: RFC 4514
 * syntax (escapes, `+` multi-valued RDNs, `#` hex values), attribute types and
 * values compared case-insensitively with insignificant spaces removed. A DN that
 * does not parse is never "under" anything: the rule fails closed.
 */

/** A parsed DN: RDNs from the most specific, each a canonical string. */
export type NormalizedDn = readonly string[];

const HEX2 = /^[0-9a-fA-F]{2}$/;

function parseRdn(text: string): string | undefined {
  const avas: string[] = [];
  for (const ava of splitUnescaped(text, '+')) {
    const eq = ava.indexOf('=');
    if (eq <= 0) return undefined;
    const type = ava.slice(0, eq).trim().toLowerCase();
    if (!/^([a-z][a-z0-9-]*|\d+(\.\d+)*)$/.test(type)) return undefined;
    const value = parseValue(ava.slice(eq + 1));
    if (value === undefined) return undefined;
    avas.push(`${type}=${JSON.stringify(value)}`);
  }
  return avas.sort().join('+');
}

function parseValue(raw: string): string | undefined {
  let text = raw.replace(/^\s+/, '');
  // Trailing spaces are insignificant unless escaped.
  while (text.endsWith(' ') && !text.endsWith('\\ ')) text = text.slice(0, -1);
  if (text.startsWith('#')) return /^#([0-9a-fA-F]{2})+$/.test(text) ? text.toLowerCase() : undefined;
  if (!text.includes('\\')) return /["<>;]/.test(text) ? undefined : text.trim().replace(/\s+/g, ' ').toLowerCase();
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      const pair = text.slice(i + 1, i + 3);
      if (HEX2.test(pair)) { bytes.push(parseInt(pair, 16)); i += 2; continue; }
      const next = text[i + 1];
      if (next === undefined) return undefined;
      bytes.push(...Buffer.from(next, 'utf8'));
      i += 1;
      continue;
    }
    // Unescaped specials are invalid in RFC 4514; ';' (an old RDN separator) is refused rather than guessed at.
    if (c === '"' || c === '<' || c === '>' || c === ';') return undefined;
    bytes.push(...Buffer.from(c, 'utf8'));
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let value: string;
  try { value = decoder.decode(Uint8Array.from(bytes)); } catch { return undefined; }
  return value.trim().replace(/\s+/g, ' ').toLowerCase();
}

function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') { i++; continue; }
    if (text[i] === separator) { parts.push(text.slice(start, i)); start = i + 1; }
  }
  parts.push(text.slice(start));
  return parts;
}

const MAX_REMEMBERED = 10_000;
// The same few DNs come back on every request (bases, login, discovery): parse each once.
const remembered = new Map<string, NormalizedDn | null>();

/** The DN's RDNs, most specific first; undefined when the DN does not parse. */
export function normalizeDn(dn: string): NormalizedDn | undefined {
  const known = remembered.get(dn);
  if (known !== undefined) return known ?? undefined;
  const parsed = parseDn(dn);
  if (remembered.size >= MAX_REMEMBERED) remembered.clear();
  remembered.set(dn, parsed ? Object.freeze(parsed) : null);
  return parsed;
}

function parseDn(dn: string): string[] | undefined {
  if (dn.trim() === '') return [];
  const rdns: string[] = [];
  for (const part of splitUnescaped(dn, ',')) {
    const rdn = parseRdn(part);
    if (rdn === undefined) return undefined;
    rdns.push(rdn);
  }
  return rdns;
}

/** Whether `dn` is `base` or below it. */
export function isUnder(dn: NormalizedDn, base: NormalizedDn): boolean {
  if (base.length > dn.length) return false;
  const offset = dn.length - base.length;
  return base.every((rdn, i) => dn[offset + i] === rdn);
}

export function sameDn(a: NormalizedDn, b: NormalizedDn): boolean {
  return a.length === b.length && isUnder(a, b);
}
