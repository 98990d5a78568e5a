/**
 * LDAP matching semantics for the attributes a virtual directory meets, so that
 * a filter applied to joined entries in memory agrees with what the sources'
 * servers would have answered: case-insensitive directory strings with
 * insignificant spaces (RFC 4518), telephone numbers without spaces and dashes,
 * DN-valued attributes compared as DNs, integers and generalized times ordered
 * by value, and binary attributes compared byte for byte.
 */
import type { Value } from '../model.js';
import { dnEquals } from '../dn.js';

export type Syntax = 'string' | 'exact' | 'telephone' | 'dn' | 'integer' | 'time' | 'binary';

const SYNTAX_BY_ATTRIBUTE: Record<string, Syntax> = {
  userpassword: 'binary',
  jpegphoto: 'binary',
  usercertificate: 'binary',
  cacertificate: 'binary',
  audio: 'binary',
  photo: 'binary',
  objectguid: 'binary',
  objectsid: 'binary',
  telephonenumber: 'telephone',
  mobile: 'telephone',
  homephone: 'telephone',
  pager: 'telephone',
  facsimiletelephonenumber: 'telephone',
  member: 'dn',
  uniquemember: 'dn',
  manager: 'dn',
  owner: 'dn',
  seealso: 'dn',
  secretary: 'dn',
  roleoccupant: 'dn',
  entrydn: 'dn',
  creatorsname: 'dn',
  modifiersname: 'dn',
  uidnumber: 'integer',
  gidnumber: 'integer',
  shadowlastchange: 'integer',
  shadowmin: 'integer',
  shadowmax: 'integer',
  shadowwarning: 'integer',
  shadowinactive: 'integer',
  shadowexpire: 'integer',
  createtimestamp: 'time',
  modifytimestamp: 'time',
  pwdchangedtime: 'time',
  pwdaccountlockedtime: 'time',
  pwdfailuretime: 'time',
  // IA5 strings compared exactly by their schema (caseExactIA5Match).
  homedirectory: 'exact',
  loginshell: 'exact',
  entryuuid: 'string',
};

const syntaxMemo = new Map<string, Syntax>();
/** The matching syntax of an attribute (options such as `;binary` ignored). */
export function syntaxOf(attribute: string): Syntax {
  let s = syntaxMemo.get(attribute);
  if (s === undefined) {
    const base = attribute.split(';')[0]!.toLowerCase();
    s = SYNTAX_BY_ATTRIBUTE[base] ?? 'string';
    if (syntaxMemo.size < 10_000) syntaxMemo.set(attribute, s);
  }
  return s;
}

function text(v: Value): string {
  return typeof v === 'string' ? v : v.toString('utf8');
}

/** The value's form for equality (or undefined when the value does not fit the syntax). */
export function normalizeForSyntax(syntax: Syntax, v: Value): string | undefined {
  switch (syntax) {
    case 'string': return text(v).trim().replace(/\s+/g, ' ').toLowerCase();
    case 'exact': return text(v).trim().replace(/\s+/g, ' ');
    case 'telephone': return text(v).replace(/[\s-]/g, '').toLowerCase();
    case 'integer': {
      const t = text(v).trim();
      return /^-?\d+$/.test(t) ? BigInt(t).toString() : undefined;
    }
    case 'time': {
      const ms = parseGeneralizedTime(text(v));
      return ms === undefined ? undefined : String(ms);
    }
    case 'dn': return text(v);
    case 'binary': return (typeof v === 'string' ? Buffer.from(v, 'utf8') : v).toString('hex');
  }
}

/** Generalized time (`20240102030405Z`, with optional fraction and offset) to epoch ms. */
export function parseGeneralizedTime(t: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,](\d+))?(Z|[+-]\d{2}(?:\d{2})?)$/.exec(t.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi = '00', s = '00', frac, zone] = m;
  let ms = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi, +s, frac ? Math.round(Number(`0.${frac}`) * 1000) : 0);
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const offset = (+zone.slice(1, 3) * 60 + (zone.length > 3 ? +zone.slice(3, 5) : 0)) * 60_000;
    ms -= sign * offset;
  }
  return Number.isNaN(ms) ? undefined : ms;
}

export function formatGeneralizedTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** Equality match of one stored value against an assertion; undefined when it cannot be decided. */
export function valuesEqual(attribute: string, stored: Value, assertion: Value): boolean | undefined {
  const syntax = syntaxOf(attribute);
  if (syntax === 'dn') {
    try { return dnEquals(text(stored), text(assertion)); } catch { return false; }
  }
  const a = normalizeForSyntax(syntax, assertion);
  if (a === undefined) return undefined;
  return normalizeForSyntax(syntax, stored) === a;
}

/** -1, 0, 1, or undefined when the syntax has no ordering or the value does not fit. */
export function compareValues(attribute: string, stored: Value, assertion: Value): number | undefined {
  const syntax = syntaxOf(attribute);
  if (syntax === 'binary' || syntax === 'dn') return undefined;
  const a = normalizeForSyntax(syntax, assertion);
  const s = normalizeForSyntax(syntax, stored);
  if (a === undefined || s === undefined) return undefined;
  if (syntax === 'integer') {
    const d = BigInt(s) - BigInt(a);
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  }
  if (syntax === 'time') return Math.sign(Number(s) - Number(a));
  return s < a ? -1 : s > a ? 1 : 0;
}

/** Substring match (initial, any in order, final) under the attribute's syntax. */
export function substringMatch(
  attribute: string,
  stored: Value,
  initial: Value | undefined,
  any: Value[],
  final: Value | undefined,
): boolean | undefined {
  const syntax = syntaxOf(attribute);
  if (syntax === 'integer' || syntax === 'time' || syntax === 'binary') return undefined;
  // Inner pieces keep their spaces (a piece of " x" is meaningful); only case and repeats fold.
  const fold = (v: Value): string => {
    const t = text(v);
    if (syntax === 'telephone') return t.replace(/[\s-]/g, '').toLowerCase();
    if (syntax === 'exact') return t.replace(/\s+/g, ' ');
    return t.replace(/\s+/g, ' ').toLowerCase();
  };
  const value = fold(stored).trim();
  let pos = 0;
  if (initial !== undefined) {
    const p = fold(initial).trimStart();
    if (!value.startsWith(p)) return false;
    pos = p.length;
  }
  for (const piece of any) {
    const p = fold(piece);
    if (p === '') continue;
    const at = value.indexOf(p, pos);
    if (at === -1) return false;
    pos = at + p.length;
  }
  if (final !== undefined) {
    const p = fold(final).trimEnd();
    if (value.length - p.length < pos) return false;
    if (!value.endsWith(p)) return false;
  }
  return true;
}
