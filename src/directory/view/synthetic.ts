/**
 * The view's own entries: each suffix, each branch, and any container between
 * them. They exist in no source; dirgate answers for them so that a client can
 * walk the tree from the suffix down (`o=example` scope one lists the branches).
 */
import type { Entry } from '../model.js';
import type { CompiledView } from './branch.js';
import { type Ava, type Dn, formatDn, normalizeDn } from '../dn.js';

const CLASSES_BY_NAMING: Record<string, string[]> = {
  o: ['top', 'organization'],
  ou: ['top', 'organizationalUnit'],
  dc: ['top', 'domain'],
  c: ['top', 'country'],
  l: ['top', 'locality'],
  cn: ['top', 'applicationProcess'],
  uid: ['top', 'account'],
};

/** Structural object classes for an entry named by `type` (containers dirgate creates or shows). */
export function objectClassesForNaming(type: string): string[] {
  return CLASSES_BY_NAMING[type.toLowerCase()] ?? ['top', 'extensibleObject'];
}

function containerEntry(dn: Dn): Entry {
  const leaf: Ava[] = dn[0] ?? [];
  const attributes = [{ type: 'objectClass', values: objectClassesForNaming(leaf[0]?.type ?? '') }];
  for (const ava of leaf) attributes.push({ type: ava.type, values: [ava.value] });
  return { dn: formatDn(dn), attributes };
}

export interface SyntheticEntry {
  entry: Entry;
  parsed: Dn;
  key: string;
}

/** Every synthetic entry of the views, parents before children. */
export function syntheticEntries(views: CompiledView[]): SyntheticEntry[] {
  const out = new Map<string, SyntheticEntry>();
  for (const v of views) {
    const add = (dn: Dn) => {
      const key = normalizeDn(dn);
      if (!out.has(key)) out.set(key, { entry: containerEntry(dn), parsed: dn, key });
    };
    add(v.suffixParsed);
    for (const b of v.branches) {
      for (let depth = v.suffixParsed.length + 1; depth <= b.dnParsed.length; depth += 1) {
        add(b.dnParsed.slice(b.dnParsed.length - depth));
      }
    }
  }
  return [...out.values()].sort((a, b) => a.parsed.length - b.parsed.length);
}
