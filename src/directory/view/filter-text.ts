/**
 * LDAP filter strings (RFC 4515) to and from the model's Filter tree. The view
 * needs this for operator-written branch filters in configuration and for
 * stable cache keys and log text; request filters arrive as trees already.
 */
import { DirgateError } from '../../errors.js';
import type { Filter, Value } from '../model.js';

function bad(text: string, why: string): DirgateError {
  return new DirgateError('ERR_MALFORMED_REQUEST', `invalid filter "${text}": ${why}`, { reason: 'filter-syntax' });
}

/** Turns the escaped assertion text into a value: text when valid UTF-8, bytes otherwise. */
function unescapeValue(raw: string, text: string): Value {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i += 1) {
    const c = raw[i]!;
    if (c === '\\') {
      const pair = raw.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(pair)) throw bad(text, 'bad escape');
      bytes.push(parseInt(pair, 16));
      i += 2;
    } else if (c === '(' || c === ')' || c === '*' || c === '\0') {
      throw bad(text, `unescaped "${c}" in a value`);
    } else {
      const ch = String.fromCodePoint(raw.codePointAt(i)!);
      bytes.push(...Buffer.from(ch, 'utf8'));
      i += ch.length - 1;
    }
  }
  const buf = Buffer.from(bytes);
  const s = buf.toString('utf8');
  return Buffer.from(s, 'utf8').equals(buf) ? s : buf;
}

const ATTR = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)(?:;[A-Za-z0-9-]+)*$/;

export function parseFilter(text: string): Filter {
  let i = 0;
  const src = text.trim();
  const parseOne = (): Filter => {
    if (src[i] !== '(') throw bad(text, `expected "(" at offset ${i}`);
    i += 1;
    const c = src[i];
    let f: Filter;
    if (c === '&' || c === '|') {
      i += 1;
      const filters: Filter[] = [];
      while (src[i] === '(') filters.push(parseOne());
      f = c === '&' ? { type: 'and', filters } : { type: 'or', filters };
    } else if (c === '!') {
      i += 1;
      f = { type: 'not', filter: parseOne() };
    } else {
      let depth = 0;
      const start = i;
      while (i < src.length && !(src[i] === ')' && depth === 0)) {
        if (src[i] === '(') depth += 1;
        i += 1;
      }
      f = parseItem(src.slice(start, i), text);
    }
    if (src[i] !== ')') throw bad(text, `expected ")" at offset ${i}`);
    i += 1;
    return f;
  };
  if (!src.startsWith('(')) {
    // Tolerated: a bare item such as `objectClass=person`.
    return parseItem(src, text);
  }
  const f = parseOne();
  if (i !== src.length) throw bad(text, 'text after the filter');
  return f;
}

function parseItem(item: string, text: string): Filter {
  const eq = item.indexOf('=');
  if (eq <= 0) throw bad(text, `"${item}" is not an assertion`);
  const op = item[eq - 1];
  let attr: string;
  const rawValue = item.slice(eq + 1);
  if (op === ':') {
    // Extensible: attr[:dn][:rule]:=value or [:dn]:rule:=value
    const parts = item.slice(0, eq - 1).split(':');
    const attribute = parts[0] || undefined;
    let dnAttributes = false;
    let matchingRule: string | undefined;
    for (const p of parts.slice(1)) {
      if (p.toLowerCase() === 'dn') dnAttributes = true;
      else if (p) matchingRule = p;
    }
    if (attribute !== undefined && !ATTR.test(attribute)) throw bad(text, `bad attribute "${attribute}"`);
    if (attribute === undefined && matchingRule === undefined) throw bad(text, 'extensible match needs a type or a rule');
    const f: Filter = { type: 'extensible', value: unescapeValue(rawValue, text), dnAttributes };
    if (attribute !== undefined) f.attribute = attribute;
    if (matchingRule !== undefined) f.matchingRule = matchingRule;
    return f;
  }
  if (op === '>' || op === '<' || op === '~') attr = item.slice(0, eq - 1);
  else attr = item.slice(0, eq);
  attr = attr.trim();
  if (!ATTR.test(attr)) throw bad(text, `bad attribute "${attr}"`);
  if (op === '>') return { type: 'greaterOrEqual', attribute: attr, value: unescapeValue(rawValue, text) };
  if (op === '<') return { type: 'lessOrEqual', attribute: attr, value: unescapeValue(rawValue, text) };
  if (op === '~') return { type: 'approx', attribute: attr, value: unescapeValue(rawValue, text) };
  if (rawValue === '*') return { type: 'present', attribute: attr };
  if (rawValue.includes('*')) {
    const pieces = rawValue.split('*');
    const initial = pieces[0]!;
    const final = pieces[pieces.length - 1]!;
    const f: Filter = {
      type: 'substrings',
      attribute: attr,
      any: pieces.slice(1, -1).filter((p) => p !== '').map((p) => unescapeValue(p, text)),
    };
    if (initial !== '') f.initial = unescapeValue(initial, text);
    if (final !== '') f.final = unescapeValue(final, text);
    return f;
  }
  return { type: 'equality', attribute: attr, value: unescapeValue(rawValue, text) };
}

/** Escapes a value for a filter string (RFC 4515 section 3). */
export function escapeFilterValue(value: Value): string {
  if (Buffer.isBuffer(value)) return [...value].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
  let out = '';
  for (const ch of value) {
    if (ch === '*' || ch === '(' || ch === ')' || ch === '\\' || ch === '\0') {
      out += `\\${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    } else out += ch;
  }
  return out;
}

export function formatFilter(f: Filter): string {
  switch (f.type) {
    case 'and': return `(&${f.filters.map(formatFilter).join('')})`;
    case 'or': return `(|${f.filters.map(formatFilter).join('')})`;
    case 'not': return `(!${formatFilter(f.filter)})`;
    case 'equality': return `(${f.attribute}=${escapeFilterValue(f.value)})`;
    case 'greaterOrEqual': return `(${f.attribute}>=${escapeFilterValue(f.value)})`;
    case 'lessOrEqual': return `(${f.attribute}<=${escapeFilterValue(f.value)})`;
    case 'approx': return `(${f.attribute}~=${escapeFilterValue(f.value)})`;
    case 'present': return `(${f.attribute}=*)`;
    case 'substrings': {
      const parts = [f.initial === undefined ? '' : escapeFilterValue(f.initial), ...f.any.map(escapeFilterValue), f.final === undefined ? '' : escapeFilterValue(f.final)];
      return `(${f.attribute}=${parts.join('*')})`;
    }
    case 'extensible': {
      let lhs = f.attribute ?? '';
      if (f.dnAttributes) lhs += ':dn';
      if (f.matchingRule) lhs += `:${f.matchingRule}`;
      return `(${lhs}:=${escapeFilterValue(f.value)})`;
    }
  }
}

/** Every attribute a filter names (lower-cased, options stripped). */
export function filterAttributes(f: Filter, into = new Set<string>()): Set<string> {
  switch (f.type) {
    case 'and': case 'or': f.filters.forEach((c) => filterAttributes(c, into)); break;
    case 'not': filterAttributes(f.filter, into); break;
    case 'extensible': if (f.attribute) into.add(baseAttributeName(f.attribute)); break;
    default: into.add(baseAttributeName(f.attribute));
  }
  return into;
}

/** `cn;lang-en` -> `cn`, lower-cased. */
export function baseAttributeName(attr: string): string {
  const semi = attr.indexOf(';');
  return (semi === -1 ? attr : attr.slice(0, semi)).toLowerCase();
}

export const MATCH_ALL: Filter = { type: 'present', attribute: 'objectClass' };
