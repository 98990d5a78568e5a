/**
 * Approximate bytes an Entry holds in memory, for lru-cache's `maxSize`: two
 * bytes per string character (UTF-16), the length of each Buffer, and a fixed
 * overhead per object so that many tiny values still count.
 */
import type { Entry } from '../model.js';

const OBJECT_OVERHEAD = 48;

export function entrySize(entry: Entry): number {
  let n = OBJECT_OVERHEAD + entry.dn.length * 2;
  for (const a of entry.attributes) {
    n += OBJECT_OVERHEAD + a.type.length * 2;
    for (const v of a.values) n += 16 + (typeof v === 'string' ? v.length * 2 : v.length);
  }
  return n;
}
