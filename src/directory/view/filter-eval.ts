/**
 * Evaluates a model Filter against an Entry in memory, with LDAP's three-valued
 * logic (RFC 4511 section 4.5.1.7): an assertion that cannot be decided is
 * Undefined, NOT of Undefined stays Undefined, and only TRUE selects an entry.
 * The view applies the whole client filter to joined entries this way.
 *
 * `evaluateKnown` evaluates against an entry only partly known (what a change
 * poll saw of a virtual entry's new state): an assertion on an attribute whose
 * values are not known is Undefined, so FALSE there means "cannot match".
 */
import type { Entry, Filter, Value } from '../model.js';
import { parseDn } from '../dn.js';
import { baseAttributeName } from './filter-text.js';
import { compareValues, substringMatch, valuesEqual } from './matching.js';

export type Tri = boolean | undefined;

/** Whether the entry's values of an attribute (lower-case base name) are known; absent is a known state. */
export type Known = (name: string) => boolean;

const ALL_KNOWN: Known = () => true;

function valuesOf(entry: Entry, attribute: string): Value[] {
  const name = baseAttributeName(attribute);
  if (name === 'entrydn') return [entry.dn];
  const out: Value[] = [];
  for (const a of entry.attributes) if (baseAttributeName(a.type) === name) out.push(...a.values);
  return out;
}

/** Any-of over values with three-valued logic: TRUE if one matches, Undefined if none does but one was undecidable. */
function anyValue(values: Value[], test: (v: Value) => Tri): Tri {
  let undecided = false;
  for (const v of values) {
    const r = test(v);
    if (r === true) return true;
    if (r === undefined) undecided = true;
  }
  return undecided ? undefined : false;
}

const EXACT_RULES = new Set(['caseexactmatch', '2.5.13.5', 'caseexactia5match', '1.3.6.1.4.1.1466.109.114.1', 'octetstringmatch', '2.5.13.17']);
const IGNORE_RULES = new Set(['caseignorematch', '2.5.13.2', 'caseignoreia5match', '1.3.6.1.4.1.1466.109.114.2', 'distinguishednamematch', '2.5.13.1', 'integermatch', '2.5.13.14', 'telephonenumbermatch', '2.5.13.20']);
const BIT_AND = '1.2.840.113556.1.4.803';
const BIT_OR = '1.2.840.113556.1.4.804';

function extensibleTest(rule: string | undefined, attribute: string): ((v: Value, a: Value) => Tri) | undefined {
  if (rule === undefined) return (v, a) => valuesEqual(attribute, v, a);
  const r = rule.toLowerCase();
  if (EXACT_RULES.has(r)) return (v, a) => (typeof v === 'string' ? v : v.toString('utf8')) === (typeof a === 'string' ? a : a.toString('utf8'));
  if (IGNORE_RULES.has(r)) return (v, a) => valuesEqual(attribute, v, a);
  if (r === BIT_AND || r === BIT_OR) {
    return (v, a) => {
      const sv = String(v).trim();
      const sa = String(a).trim();
      if (!/^-?\d+$/.test(sv) || !/^-?\d+$/.test(sa)) return undefined;
      const x = BigInt(sv) & BigInt(sa);
      return r === BIT_AND ? x === BigInt(sa) : x !== 0n;
    };
  }
  return undefined;
}

export function evaluateFilter(filter: Filter, entry: Entry): Tri {
  return evaluate(filter, entry, ALL_KNOWN, false);
}

/**
 * The filter over an entry of which only some attributes are known (`known`; the DN always is): an assertion
 * on an unknown attribute is Undefined, and AND, OR and NOT combine with Kleene's logic.
 */
export function evaluateKnown(filter: Filter, entry: Entry, known: Known): Tri {
  return evaluate(filter, entry, known, true);
}

function evaluate(filter: Filter, entry: Entry, known: Known, partial: boolean): Tri {
  if (partial && 'attribute' in filter && filter.attribute !== undefined) {
    const name = baseAttributeName(filter.attribute);
    if (name !== 'entrydn' && !known(name)) return undefined;
  }
  switch (filter.type) {
    case 'and': {
      let undecided = false;
      for (const f of filter.filters) {
        const r = evaluate(f, entry, known, partial);
        if (r === false) return false;
        if (r === undefined) undecided = true;
      }
      return undecided ? undefined : true;
    }
    case 'or': {
      let undecided = false;
      for (const f of filter.filters) {
        const r = evaluate(f, entry, known, partial);
        if (r === true) return true;
        if (r === undefined) undecided = true;
      }
      return undecided ? undefined : false;
    }
    case 'not': {
      const r = evaluate(filter.filter, entry, known, partial);
      return r === undefined ? undefined : !r;
    }
    case 'present':
      return valuesOf(entry, filter.attribute).length > 0;
    case 'equality':
    case 'approx':
      return anyValue(valuesOf(entry, filter.attribute), (v) => valuesEqual(filter.attribute, v, filter.value));
    case 'greaterOrEqual':
      return anyValue(valuesOf(entry, filter.attribute), (v) => {
        const c = compareValues(filter.attribute, v, filter.value);
        return c === undefined ? undefined : c >= 0;
      });
    case 'lessOrEqual':
      return anyValue(valuesOf(entry, filter.attribute), (v) => {
        const c = compareValues(filter.attribute, v, filter.value);
        return c === undefined ? undefined : c <= 0;
      });
    case 'substrings':
      return anyValue(valuesOf(entry, filter.attribute), (v) =>
        substringMatch(filter.attribute, v, filter.initial, filter.any, filter.final));
    case 'extensible': {
      const attribute = filter.attribute;
      const test = extensibleTest(filter.matchingRule, attribute ?? '');
      if (!test) return undefined;
      const candidates: Array<[string, Value]> = [];
      if (attribute) for (const v of valuesOf(entry, attribute)) candidates.push([attribute, v]);
      else for (const a of entry.attributes) for (const v of a.values) candidates.push([a.type, v]);
      if (filter.dnAttributes) {
        try {
          for (const rdn of parseDn(entry.dn)) for (const ava of rdn) {
            if (!attribute || baseAttributeName(attribute) === ava.type.toLowerCase()) candidates.push([ava.type, ava.value]);
          }
        } catch { /* an unparsable DN contributes nothing */ }
      }
      // Matching any attribute: attributes not known may hold a match.
      let undecided = partial && !attribute;
      for (const [type, v] of candidates) {
        const t = attribute ? test : extensibleTest(filter.matchingRule, type)!;
        const r = t(v, filter.value);
        if (r === true) return true;
        if (r === undefined) undecided = true;
      }
      return undecided ? undefined : false;
    }
  }
}

/** True only when the filter evaluates to TRUE. */
export function matches(filter: Filter, entry: Entry): boolean {
  return evaluateFilter(filter, entry) === true;
}
