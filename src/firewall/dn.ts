/**
 * DNs as the firewall's subtree rule needs them, on top of the directory's own
 * parser (src/directory/dn.ts) so the firewall reads a name exactly as the
 * gateway behind it will. What this adds: a DN that does not parse is never
 * "under" anything (the rule fails closed instead of throwing), the older
 * forms the directory still accepts (';' between RDNs, RFC 1779 quoted values)
 * are refused at the edge, and each DN is parsed once and kept as its
 * normalised RDNs so that comparing against configured subtrees costs nothing.
 */
import { normalizeDn as canonicalNormalizeDn, parseDn } from '../directory/dn.js';

/** A parsed DN: RDNs from the most specific, each in the directory's canonical form. */
export type NormalizedDn = readonly string[];

/** True when the text uses an unescaped ';' or '"' (RFC 2253/1779 leftovers). */
function usesLegacySyntax(dn: string): boolean {
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i];
    if (c === '\\') i++;
    else if (c === ';' || c === '"') return true;
  }
  return false;
}

function parse(dn: string): string[] | undefined {
  if (usesLegacySyntax(dn)) return undefined;
  try {
    return parseDn(dn).map((rdn) => canonicalNormalizeDn([rdn]));
  } catch {
    return undefined;
  }
}

const MAX_REMEMBERED = 10_000;
// The same few DNs come back on every request (bases, login, discovery): parse each once.
const remembered = new Map<string, NormalizedDn | null>();

/** The DN's RDNs, most specific first; undefined when the DN does not parse. */
export function normalizeDn(dn: string): NormalizedDn | undefined {
  const known = remembered.get(dn);
  if (known !== undefined) return known ?? undefined;
  const parsed = parse(dn);
  if (remembered.size >= MAX_REMEMBERED) remembered.clear();
  remembered.set(dn, parsed ? Object.freeze(parsed) : null);
  return parsed;
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
