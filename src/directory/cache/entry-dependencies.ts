/**
 * What one joined entry of a search result depends on (dependencies.ts): the
 * source entries it was built from, and for each DN value a contributor wrote
 * (resolved through a primary lookup by correlation key, dn-resolve.ts) the key
 * it names when it stayed unresolved, or the virtual DN it became and the
 * branch that DN is in.
 */
import type { Entry } from '../model.js';
import type { CompiledBranch, CompiledView } from '../view/branch.js';
import { contributorRef } from '../view/dn-resolve.js';
import { syntaxOf } from '../view/matching.js';
import { dependencyDn, keyDependency, referencesDependency, sourceDependency, virtualDependency } from './dependencies.js';

/** Contributor-owned DN attributes per branch (lower-case), most often none. */
const dnAttributes = new WeakMap<CompiledBranch, Map<string, string>>();

/** The branch's contributor-owned DN-valued attributes, each with its owner's source name. */
export function contributorDnAttributes(branch: CompiledBranch): Map<string, string> {
  let m = dnAttributes.get(branch);
  if (!m) {
    m = new Map();
    for (const p of branch.contributors) for (const a of p.owns) if (syntaxOf(a) === 'dn' && !m.has(a)) m.set(a, p.sourceName);
    dnAttributes.set(branch, m);
  }
  return m;
}

/**
 * `sources`: [source name, DN] of each source entry used; `normalized` when the DNs are already normalised
 * (the entry cache's), else they are normalised here.
 */
export function entryDependencies(
  views: CompiledView[], branch: CompiledBranch, entry: Entry, sources: ReadonlyArray<readonly [string, string]>, normalized: boolean,
): string[] {
  const out: string[] = [];
  for (const [name, dn] of sources) out.push(sourceDependency(name, normalized ? dn : dependencyDn(dn)));
  const owned = contributorDnAttributes(branch);
  if (owned.size === 0) return out;
  for (const a of entry.attributes) {
    const owner = owned.get(a.type.toLowerCase().split(';')[0]!);
    if (owner === undefined) continue;
    for (const v of a.values) {
      if (typeof v !== 'string') continue;
      const ref = contributorRef(views, owner, v);
      if (ref) { out.push(keyDependency(ref.branch.id, ref.key)); continue; }
      const key = dependencyDn(v);
      out.push(virtualDependency(key));
      for (const view of views) for (const b of view.branches) if (key.endsWith(`,${b.dnKey}`)) out.push(referencesDependency(b.id));
    }
  }
  return out;
}
