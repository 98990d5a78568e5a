/**
 * What cached items cost on V8's heap, for the cache's byte budget (lru-cache's
 * `maxSize`). The figures are V8's layout on a 64-bit build without pointer
 * compression (Node's own builds); with compression the estimate is high, never
 * low. test/unit/directory/cache-size.test.ts holds the estimate against the
 * heap's real growth, so a change here (or in V8) that makes it dishonest fails.
 *
 * - a string: a 16-byte header and one byte per character, two when any
 *   character is past U+00FF (V8 keeps Latin-1 text one byte wide), rounded up
 *   to 8 bytes;
 * - an object: a 24-byte header (map, properties, elements) and 8 per field;
 * - an array: the 32-byte JSArray and a 16-byte backing store header, and 8 per
 *   slot;
 * - a Buffer: its typed-array object and its bytes (small Buffers share an 8 KB
 *   pool slab, kept alive by any one of them: not counted);
 * - an entry in a Map (lru-cache's key map, the invalidation indexes): three
 *   slots and a share of a bucket at the table's usual occupancy.
 */
import type { Value } from '../model.js';

export const POINTER_BYTES = 8;
export const OBJECT_HEADER_BYTES = 24;
/** JSArray (map, properties, elements, length) and its FixedArray's header (map, length). */
export const ARRAY_BYTES = 32 + 16;
const STRING_HEADER_BYTES = 16;
const BUFFER_OBJECT_BYTES = 112;
/** One key in a Map: key, value and chain slots, a bucket share, and the table's free room on average. */
export const MAP_ENTRY_BYTES = 48;

// Any UTF-16 code unit past Latin-1 makes V8 store the whole string two bytes wide.
const WIDE = /[^\u0000-\u00ff]/;

function align(n: number): number {
  return (n + 7) & ~7;
}

export function stringBytes(s: string): number {
  return align(STRING_HEADER_BYTES + (WIDE.test(s) ? 2 * s.length : s.length));
}

export function valueBytes(v: Value): number {
  return typeof v === 'string' ? stringBytes(v) : BUFFER_OBJECT_BYTES + align(v.length);
}
