/**
 * Evaluates a search filter (the shared model's Filter tree) against one entry
 * with LDAP's three-valued logic (RFC 4511 section 4.5.1.7): a clause on an
 * attribute the caller may not read, or with an unknown matching rule, is
 * Undefined, and NOT of Undefined stays Undefined, so hidden values can never
 * be probed through a filter.
 */
import type { Filter, Value } from '../model.js';
import type { Dn } from './dn.js';
import { foldValue } from './dn.js';
import { approxKey, compareValues, isBinaryType, matchKey, valueBytes } from './values.js';

export type Truth = boolean | undefined;

/** What the evaluator sees of an entry. */
export interface FilterTarget {
  /**
   * Values of an attribute by lowercased type (user or operational): undefined
   * when absent, null when present but not readable by the caller.
   */
  values(key: string): Value[] | undefined | null;
  /** Every readable attribute, for extensible matches that name no attribute. */
  readable(): Iterable<[string, Value[]]>;
  /** The entry's DN, for extensible matches with dnAttributes. */
  dn: Dn;
}

type Rule = 'equality' | 'caseExact' | 'octet' | 'integer' | 'dn';
const RULES = new Map<string, Rule>([
  ['2.5.13.1', 'dn'], ['distinguishednamematch', 'dn'],
  ['2.5.13.2', 'equality'], ['caseignorematch', 'equality'],
  ['2.5.13.5', 'caseExact'], ['caseexactmatch', 'caseExact'],
  ['2.5.13.17', 'octet'], ['octetstringmatch', 'octet'],
  ['2.5.13.14', 'integer'], ['integermatch', 'integer'],
]);

function matchesByRule(rule: Rule, key: string, value: Value, assertion: Value): boolean {
  switch (rule) {
    case 'caseExact':
      return typeof value === 'string' && typeof assertion === 'string'
        ? value.trim().replace(/\s+/g, ' ') === assertion.trim().replace(/\s+/g, ' ')
        : valueBytes(value).equals(valueBytes(assertion));
    case 'octet':
      return valueBytes(value).equals(valueBytes(assertion));
    case 'integer':
      return /^\s*-?\d+\s*$/.test(String(value)) && /^\s*-?\d+\s*$/.test(String(assertion)) && compareValues(key, value, assertion) === 0;
    case 'dn':
      return matchKey('entrydn', value) === matchKey('entrydn', assertion);
    case 'equality':
      return matchKey(key, value) === matchKey(key, assertion);
  }
}

function substringMatch(key: string, value: Value, initial: Value | undefined, any: Value[], final: Value | undefined): boolean {
  const binary = Buffer.isBuffer(value) || isBinaryType(key);
  const norm = (v: Value): string => (binary ? valueBytes(v).toString('latin1') : foldValue(typeof v === 'string' ? v : v.toString('utf8')));
  const text = norm(value);
  let pos = 0;
  if (initial !== undefined) {
    const p = norm(initial);
    if (!text.startsWith(p)) return false;
    pos = p.length;
  }
  for (const piece of any) {
    const p = norm(piece);
    const at = text.indexOf(p, pos);
    if (at < 0) return false;
    pos = at + p.length;
  }
  if (final !== undefined) {
    const p = norm(final);
    return text.length - p.length >= pos && text.endsWith(p);
  }
  return true;
}

function some(values: Value[] | undefined | null, test: (v: Value) => boolean): Truth {
  if (values === null) return undefined;
  if (values === undefined) return false;
  return values.some(test);
}

export function evaluateFilter(filter: Filter, target: FilterTarget): Truth {
  switch (filter.type) {
    case 'and': {
      let result: Truth = true;
      for (const f of filter.filters) {
        const r = evaluateFilter(f, target);
        if (r === false) return false;
        if (r === undefined) result = undefined;
      }
      return result;
    }
    case 'or': {
      let result: Truth = false;
      for (const f of filter.filters) {
        const r = evaluateFilter(f, target);
        if (r === true) return true;
        if (r === undefined) result = undefined;
      }
      return result;
    }
    case 'not': {
      const r = evaluateFilter(filter.filter, target);
      return r === undefined ? undefined : !r;
    }
    case 'present': {
      const values = target.values(filter.attribute.toLowerCase());
      return values === null ? undefined : values !== undefined && values.length > 0;
    }
    case 'equality': {
      const key = filter.attribute.toLowerCase();
      const wanted = matchKey(key, filter.value);
      return some(target.values(key), (v) => matchKey(key, v) === wanted);
    }
    case 'approx': {
      const key = filter.attribute.toLowerCase();
      const wanted = approxKey(filter.value);
      return some(target.values(key), (v) => approxKey(v) === wanted);
    }
    case 'greaterOrEqual': {
      const key = filter.attribute.toLowerCase();
      return some(target.values(key), (v) => compareValues(key, v, filter.value) >= 0);
    }
    case 'lessOrEqual': {
      const key = filter.attribute.toLowerCase();
      return some(target.values(key), (v) => compareValues(key, v, filter.value) <= 0);
    }
    case 'substrings': {
      const key = filter.attribute.toLowerCase();
      return some(target.values(key), (v) => substringMatch(key, v, filter.initial, filter.any, filter.final));
    }
    case 'extensible':
      return evaluateExtensible(filter, target);
  }
}

function evaluateExtensible(filter: Extract<Filter, { type: 'extensible' }>, target: FilterTarget): Truth {
  let rule: Rule = 'equality';
  if (filter.matchingRule) {
    const known = RULES.get(filter.matchingRule.toLowerCase());
    if (!known) return undefined;
    rule = known;
  }
  if (!filter.attribute && !filter.matchingRule) return undefined;
  const key = filter.attribute?.toLowerCase();
  const candidates: Array<[string, Value[] | undefined | null]> = key ? [[key, target.values(key)]] : [...target.readable()];
  let result: Truth = false;
  for (const [k, values] of candidates) {
    const r = some(values, (v) => matchesByRule(rule, k, v, filter.value));
    if (r === true) return true;
    if (r === undefined) result = undefined;
  }
  if (filter.dnAttributes) {
    for (const rdn of target.dn) {
      for (const ava of rdn) {
        const k = ava.type.toLowerCase();
        if (key && k !== key) continue;
        if (matchesByRule(rule, k, ava.value, filter.value)) return true;
      }
    }
  }
  return result;
}
