/**
 * What a cached search result depends on, so that a change outside dirgate
 * drops exactly the results it may have altered: every source entry its
 * entries were built from, and for a contributor's DN values (hr's `manager`,
 * made a virtual DN through a primary lookup) the correlation key looked up,
 * the virtual DN it became, and the branch it points into.
 *
 * A result keeps these as sorted 32-bit hashes (four bytes each, no index
 * entries): two different dependencies sharing a hash only make a change drop
 * a result it need not have dropped, never keep one it should have dropped.
 */
import { normalizeDn } from '../dn.js';

/** A source entry, by its source's name and normalised DN (dependencyDn). */
export function sourceDependency(sourceName: string, dnKey: string): string {
  return `s\u0000${sourceName}\u0000${dnKey}`;
}

/** A primary correlation key of a branch that a contributor DN value was looked up by. */
export function keyDependency(branchId: string, key: string): string {
  return `k\u0000${branchId}\u0000${key}`;
}

/** A virtual DN (normalised) that a contributor DN value became. */
export function virtualDependency(dnKey: string): string {
  return `v\u0000${dnKey}`;
}

/** Any contributor DN value pointing into the branch (for a change that cannot say which ones it moved). */
export function referencesDependency(branchId: string): string {
  return `r\u0000${branchId}`;
}

// One RDN of plain characters: its normalised form is its lower-case form (no spaces, escapes or multi-valued RDNs).
const PLAIN_DN = /^[A-Za-z][A-Za-z0-9-]*=[A-Za-z0-9._@-]+(?:,[A-Za-z][A-Za-z0-9-]*=[A-Za-z0-9._@-]+)*$/;

/** normalizeDn for keying a source DN (a tenth of its cost for plain DNs); the lower-cased text when it cannot parse. */
export function dependencyDn(dn: string): string {
  if (PLAIN_DN.test(dn)) return dn.toLowerCase();
  try { return normalizeDn(dn); } catch { return dn.toLowerCase(); }
}

/** 32-bit FNV-1a of the text's UTF-16 code units. */
export function dependencyHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Sorted, without repeats, exactly sized. */
export function dependencySet(hashes: readonly number[]): Uint32Array {
  const sorted = Uint32Array.from(hashes).sort();
  let n = 0;
  for (let i = 0; i < sorted.length; i += 1) if (i === 0 || sorted[i] !== sorted[n - 1]) sorted[n++] = sorted[i]!;
  return n === sorted.length ? sorted : sorted.slice(0, n);
}

export function hasDependency(set: Uint32Array, hash: number): boolean {
  let lo = 0;
  let hi = set.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = set[mid]!;
    if (v === hash) return true;
    if (v < hash) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
