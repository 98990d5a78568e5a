/**
 * Correlation keys: which entries of different sources are one identity. A key
 * is the tuple of an entry's correlation attribute values after the configured
 * normalisation; two entries correlate when they share a key. Lookups by key are
 * pushed to the sources as structured OR filters of the raw values.
 */
import type { Entry, Filter, Value } from '../model.js';
import type { SourcePart } from './branch.js';

export type NormalizeStep = 'lowercase' | 'trim' | 'collapse-spaces' | 'digits-only';

export interface Correlation { attributes: string[]; normalize: NormalizeStep[] }

/** Keys are capped per entry so a many-valued attribute cannot blow up the cartesian product. */
const MAX_KEYS_PER_ENTRY = 64;

export function normalizeCorrelationValue(value: Value, steps: NormalizeStep[]): string {
  let v = typeof value === 'string' ? value : value.toString('utf8');
  for (const step of steps) {
    switch (step) {
      case 'lowercase': v = v.toLowerCase(); break;
      case 'trim': v = v.trim(); break;
      case 'collapse-spaces': v = v.replace(/\s+/g, ' '); break;
      case 'digits-only': v = v.replace(/\D/g, ''); break;
    }
  }
  return v;
}

/** Whether equality filters on raw values find every entry that correlates (no normalisation beyond LDAP matching). */
export function lookupsArePushable(c: Correlation): boolean {
  return !c.normalize.includes('digits-only');
}

function valuesIn(entry: Entry, sourceAttribute: string): Value[] {
  const lower = sourceAttribute.toLowerCase();
  return entry.attributes.filter((a) => a.type.toLowerCase() === lower).flatMap((a) => a.values);
}

/** The raw value tuples of a source entry (one value per correlation attribute), in source terms. */
export function rawTuples(part: SourcePart, c: Correlation, sourceEntry: Entry): Value[][] {
  let tuples: Value[][] = [[]];
  for (const viewAttr of c.attributes) {
    const values = valuesIn(sourceEntry, part.mapping.toSource(viewAttr));
    if (values.length === 0) return [];
    const next: Value[][] = [];
    for (const t of tuples) for (const v of values) if (next.length < MAX_KEYS_PER_ENTRY) next.push([...t, v]);
    tuples = next;
  }
  return tuples;
}

export function keyOfTuple(c: Correlation, tuple: Value[]): string {
  const parts = tuple.map((v) => normalizeCorrelationValue(v, c.normalize));
  return parts.length === 1 ? parts[0]! : JSON.stringify(parts);
}

/** The entry's correlation keys; empty when it lacks a correlation attribute or every value normalises to nothing. */
export function correlationKeys(part: SourcePart, c: Correlation, sourceEntry: Entry): string[] {
  const keys = new Set<string>();
  for (const t of rawTuples(part, c, sourceEntry)) {
    const k = keyOfTuple(c, t);
    if (k !== '' && k !== '[""]') keys.add(k);
  }
  return [...keys];
}

/** A filter, in `part`'s terms, for the entries correlating with any of the tuples. */
export function lookupFilter(part: SourcePart, c: Correlation, tuples: Value[][]): Filter {
  const seen = new Set<string>();
  const terms: Filter[] = [];
  for (const t of tuples) {
    const key = keyOfTuple(c, t);
    if (seen.has(key)) continue;
    seen.add(key);
    const eqs: Filter[] = c.attributes.map((viewAttr, i) => ({
      type: 'equality', attribute: part.mapping.toSource(viewAttr), value: t[i]!,
    }));
    terms.push(eqs.length === 1 ? eqs[0]! : { type: 'and', filters: eqs });
  }
  const or: Filter = terms.length === 1 ? terms[0]! : { type: 'or', filters: terms };
  return part.filter ? { type: 'and', filters: [part.filter, or] } : or;
}

/** The source attribute names a part needs to compute keys. */
export function correlationSourceAttributes(part: SourcePart, c: Correlation | undefined): string[] {
  return c ? c.attributes.map((a) => part.mapping.toSource(a)) : [];
}
