/**
 * Cached entries in a compact form. A joined Entry is an object per attribute
 * and an array per value list, and each entry brings its own copy of every
 * attribute name: a dozen small objects and as many name strings per entry,
 * more than the values themselves. Here an entry is its DN, a list of
 * attribute names shared by every entry with the same names in the same order
 * (a table of "shapes"), and one slot per attribute holding the lone value
 * itself, or an array when there are several (or none).
 *
 * Callers get whole Entry objects back (unpack), made afresh at each read, so
 * no caller can change what the cache holds.
 */
import type { Attribute, Entry, Value } from '../model.js';
import { stringBytes, valueBytes, ARRAY_BYTES, OBJECT_HEADER_BYTES, POINTER_BYTES } from './size.js';

/** A lone value, or every value of the attribute when there is not exactly one. */
export type Slot = Value | readonly Value[];

export class PackedEntry {
  constructor(
    readonly dn: string,
    /** Shared between entries with the same attribute names (see ShapeTable). */
    readonly types: readonly string[],
    readonly slots: readonly Slot[],
  ) {}
}

const NO_VALUES: readonly Value[] = Object.freeze([]);

/**
 * The attribute-name lists seen so far, so that entries of the same shape
 * share one list (and its strings). Bounded: past `maxShapes` distinct lists,
 * a new shape is kept by its own entry instead of in the table.
 */
export class ShapeTable {
  private readonly shapes = new Map<string, readonly string[]>();
  /** objectClass values repeat across entries (a handful of classes): kept once. */
  private readonly classes = new Map<string, string>();

  constructor(private readonly maxShapes = 4096, private readonly maxClasses = 1024) {}

  /** The shared list for these names, and whether it is shared (the entry need not pay for it). */
  shape(attributes: readonly Attribute[]): { types: readonly string[]; shared: boolean } {
    let key = '';
    for (let i = 0; i < attributes.length; i += 1) key += i === 0 ? attributes[i]!.type : `\u0000${attributes[i]!.type}`;
    const known = this.shapes.get(key);
    if (known) return { types: known, shared: true };
    const types = Object.freeze(attributes.map((a) => a.type));
    if (this.shapes.size >= this.maxShapes) return { types, shared: false };
    this.shapes.set(key, types);
    return { types, shared: true };
  }

  /** The one copy of an objectClass value, or the value itself when the table is full. */
  objectClass(value: Value): Value {
    if (typeof value !== 'string') return value;
    const known = this.classes.get(value);
    if (known !== undefined) return known;
    if (this.classes.size < this.maxClasses) this.classes.set(value, value);
    return value;
  }
}

function isObjectClass(type: string): boolean {
  return type.length === 11 && type.toLowerCase() === 'objectclass';
}

/**
 * An entry's attributes in packed form, and `bytes`: what they keep alive on
 * the heap that no other entry shares (the DN is the caller's to count).
 */
export function packAttributes(entry: Entry, table: ShapeTable): { types: readonly string[]; slots: Slot[]; bytes: number } {
  const { types, shared } = table.shape(entry.attributes);
  const n = entry.attributes.length;
  // Exactly sized: an array grown by push keeps up to half again as many slots.
  const slots = new Array<Slot>(n);
  let bytes = ARRAY_BYTES + n * POINTER_BYTES;
  if (!shared) bytes += ARRAY_BYTES + n * POINTER_BYTES + types.reduce((s, t) => s + stringBytes(t), 0);
  for (let i = 0; i < n; i += 1) {
    const a = entry.attributes[i]!;
    const classes = isObjectClass(a.type);
    const values = classes ? a.values.map((v) => table.objectClass(v)) : a.values;
    if (values.length === 1) slots[i] = values[0]!;
    else if (values.length === 0) slots[i] = NO_VALUES;
    else {
      slots[i] = values.slice();
      bytes += ARRAY_BYTES + values.length * POINTER_BYTES;
    }
    // objectClass values live in the table, shared by every entry.
    if (!classes) for (const v of values) bytes += valueBytes(v);
  }
  return { types, slots, bytes };
}

/** A packed entry on its own (a search result's), and what it keeps alive. */
export function packEntry(entry: Entry, table: ShapeTable): { packed: PackedEntry; bytes: number } {
  const { types, slots, bytes } = packAttributes(entry, table);
  return { packed: new PackedEntry(entry.dn, types, slots), bytes: bytes + OBJECT_HEADER_BYTES + 3 * POINTER_BYTES + stringBytes(entry.dn) };
}

/** A new Entry with the packed content; its arrays are its own. */
export function unpackEntry(p: PackedEntry): Entry {
  const n = p.types.length;
  const attributes = new Array<Attribute>(n);
  for (let i = 0; i < n; i += 1) {
    const s = p.slots[i]!;
    attributes[i] = { type: p.types[i]!, values: Array.isArray(s) ? s.slice() : [s as Value] };
  }
  return { dn: p.dn, attributes };
}

/** True when `entry` has exactly the packed content (same names in the same order, same values), so the packed form can stand for it. */
export function samePacked(p: PackedEntry, entry: Entry): boolean {
  const n = p.types.length;
  if (entry.dn !== p.dn || entry.attributes.length !== n) return false;
  for (let i = 0; i < n; i += 1) {
    const a = entry.attributes[i]!;
    if (a.type !== p.types[i]) return false;
    const s = p.slots[i]!;
    if (Array.isArray(s)) {
      if (a.values.length !== s.length) return false;
      for (let k = 0; k < s.length; k += 1) if (!sameValue(a.values[k]!, (s as Value[])[k]!)) return false;
    } else if (a.values.length !== 1 || !sameValue(a.values[0]!, s as Value)) return false;
  }
  return true;
}

function sameValue(a: Value, b: Value): boolean {
  if (a === b) return true;
  return typeof a !== 'string' && typeof b !== 'string' && a.equals(b);
}
