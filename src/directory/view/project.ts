/**
 * What a search returns of each entry: the requested attributes (all user
 * attributes for none or `*`, operational ones only by name or `+`, nothing for
 * `1.1`), values dropped for typesOnly. Operational attributes that would name
 * a source's internals (creatorsName, entryCSN, ...) never leave.
 */
import type { Attribute, Entry } from '../model.js';
import { baseAttributeName } from './filter-text.js';

/** Operational attributes the view passes through from the primary source. */
export const PASSED_OPERATIONAL = ['createTimestamp', 'modifyTimestamp', 'entryUUID', 'pwdChangedTime', 'pwdAccountLockedTime'];
const PASSED = new Set(PASSED_OPERATIONAL.map((a) => a.toLowerCase()));
/** Operational attributes a source may send that the view never shows. */
const OPERATIONAL = new Set([
  ...PASSED,
  'creatorsname', 'modifiersname', 'entrycsn', 'contextcsn', 'structuralobjectclass', 'subschemasubentry',
  'hassubordinates', 'numsubordinates', 'entrydn', 'pwdhistory', 'pwdfailuretime', 'pwdgraceusetime', 'memberof',
]);

export function isOperational(attribute: string): boolean {
  return OPERATIONAL.has(baseAttributeName(attribute));
}

export interface Selection {
  allUser: boolean;
  allOperational: boolean;
  names: Set<string>;
}

export function selection(requested: string[]): Selection {
  const names = new Set<string>();
  let allUser = requested.length === 0;
  let allOperational = false;
  for (const r of requested) {
    if (r === '*') allUser = true;
    else if (r === '+') allOperational = true;
    else if (r === '1.1') continue;
    else names.add(baseAttributeName(r));
  }
  return { allUser, allOperational, names };
}

/** Source attributes to ask for: `*` when all user attributes are wanted, plus wanted operational ones. */
export function operationalWanted(sel: Selection): string[] {
  const out = PASSED_OPERATIONAL.filter((a) => sel.allOperational || sel.names.has(a.toLowerCase()));
  return out;
}

export function project(entry: Entry, sel: Selection, typesOnly: boolean): Entry {
  const attributes: Attribute[] = [];
  for (const a of entry.attributes) {
    const name = baseAttributeName(a.type);
    let keep: boolean;
    if (OPERATIONAL.has(name)) keep = PASSED.has(name) && (sel.allOperational || sel.names.has(name));
    else keep = sel.allUser || sel.names.has(name);
    if (keep) attributes.push({ type: a.type, values: typesOnly ? [] : a.values });
  }
  if (sel.allOperational || sel.names.has('entrydn')) attributes.push({ type: 'entryDN', values: typesOnly ? [] : [entry.dn] });
  return { dn: entry.dn, attributes };
}
