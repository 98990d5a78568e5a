/**
 * DN values that a contributor writes in its own namespace, keyed by the
 * correlation attribute (hr's `manager: mail=carol@corp.example,ou=people,o=hr`),
 * become virtual DNs (`uid=carol,ou=people,o=example`). Identities of the same
 * batch answer first; the rest cost one primary lookup per batch. A DN naming
 * nobody in the primary (dave, only in hr) is left as the contributor wrote it.
 * The reverse, for writes, finds the identity's partner in the target part.
 */
import type { Entry, Filter, Value } from '../model.js';
import { type CompiledBranch, type CompiledView, type SourcePart, primaryViewAttributes, sourceRdnAttribute, virtualDnFor } from './branch.js';
import { keyOfTuple } from './correlation.js';
import { formatDn, isStrictlyUnder, parseDn } from '../dn.js';
import type { JoinedEntry } from './join.js';
import { syntaxOf } from './matching.js';
import { collectEntries } from './source-io.js';

interface ContributorRef { branch: CompiledBranch; part: SourcePart; value: string; key: string }

/** The identity a contributor-namespace DN names by its correlation value, if it does. */
export function contributorRef(views: CompiledView[], sourceName: string, dn: string): ContributorRef | undefined {
  let parsed;
  try { parsed = parseDn(dn); } catch { return undefined; }
  const leaf = parsed[0];
  if (!leaf || leaf.length !== 1) return undefined;
  for (const v of views) for (const b of v.branches) {
    const c = b.correlation;
    if (!c || c.attributes.length !== 1) continue;
    for (const p of b.contributors) {
      if (p.role !== 'contributor' || p.sourceName !== sourceName || !isStrictlyUnder(parsed, p.base)) continue;
      if (p.mapping.toView(leaf[0]!.type)?.toLowerCase() !== c.attributes[0]!.toLowerCase()) continue;
      return { branch: b, part: p, value: leaf[0]!.value, key: keyOfTuple(c, [leaf[0]!.value]) };
    }
  }
  return undefined;
}

/** Rewrites contributor-namespace DN values of joined entries in place. */
/** Whether a branch's contributors own any DN-valued attribute (most do not: then there is nothing to resolve). */
const ownsDnValues = new WeakMap<CompiledBranch, boolean>();
function hasContributorDns(branch: CompiledBranch): boolean {
  let v = ownsDnValues.get(branch);
  if (v === undefined) {
    v = branch.contributors.some((p) => [...p.owns].some((a) => syntaxOf(a) === 'dn'));
    ownsDnValues.set(branch, v);
  }
  return v;
}

export async function resolveContributorDns(views: CompiledView[], joined: JoinedEntry[], signal?: AbortSignal): Promise<void> {
  const pending: Array<{ values: Value[]; index: number; ref: ContributorRef }> = [];
  for (const j of joined) {
    if (!hasContributorDns(j.branch)) continue;
    for (const a of j.entry.attributes) {
      if (syntaxOf(a.type) !== 'dn') continue;
      const owner = j.branch.contributors.find((p) => p.owns.has(a.type.toLowerCase().split(';')[0]!));
      if (!owner) continue;
      a.values.forEach((v, index) => {
        if (typeof v !== 'string') return;
        const ref = contributorRef(views, owner.sourceName, v);
        if (ref) pending.push({ values: a.values, index, ref });
      });
    }
  }
  if (pending.length === 0) return;
  // Identities already in hand.
  const known = new Map<string, string>();
  for (const j of joined) for (const k of j.keys) known.set(`${j.branch.id}\u0000${k}`, j.entry.dn);
  const missing = new Map<CompiledBranch, Map<string, string>>();
  for (const p of pending) {
    if (known.has(`${p.ref.branch.id}\u0000${p.ref.key}`)) continue;
    const m = missing.get(p.ref.branch) ?? new Map<string, string>();
    m.set(p.ref.key, p.ref.value);
    missing.set(p.ref.branch, m);
  }
  await Promise.all([...missing.entries()].map(async ([branch, values]) => {
    const c = branch.correlation!;
    const attr = branch.primary.mapping.toSource(c.attributes[0]!);
    const terms: Filter[] = [...values.values()].map((value) => ({ type: 'equality', attribute: attr, value }));
    const or: Filter = terms.length === 1 ? terms[0]! : { type: 'or', filters: terms };
    let found: Entry[] = [];
    try {
      found = await collectEntries(branch.primary.source, {
        baseDN: branch.primary.baseDn, scope: 'sub', filter: branch.primary.filter ? { type: 'and', filters: [branch.primary.filter, or] } : or,
        attributes: [sourceRdnAttribute(branch), attr],
      }, signal ? { signal } : {});
    } catch {
      return; // best effort: the values stay as the contributor wrote them
    }
    for (const e of found) {
      const dn = virtualDnFor(branch, primaryViewAttributes(branch, e), e.dn);
      if (!dn) continue;
      for (const a of e.attributes) {
        if (a.type.toLowerCase() !== attr.toLowerCase()) continue;
        for (const v of a.values) known.set(`${branch.id}\u0000${keyOfTuple(c, [v])}`, dn);
      }
    }
  }));
  for (const p of pending) {
    const dn = known.get(`${p.ref.branch.id}\u0000${p.ref.key}`);
    if (dn) p.values[p.index] = dn;
  }
}

/** The DN, in `part`'s namespace, of the partner of the identity a virtual DN names; undefined when there is none. */
export async function partnerDnFor(branch: CompiledBranch, part: SourcePart, virtualDn: string): Promise<string | undefined> {
  let parsed;
  try { parsed = parseDn(virtualDn); } catch { return undefined; }
  const c = branch.correlation;
  if (!c || c.attributes.length !== 1 || parsed.length !== branch.dnParsed.length + 1 || !isStrictlyUnder(parsed, branch.dnParsed)) return undefined;
  const leaf = parsed[0]!;
  if (leaf.length !== 1 || leaf[0]!.type.toLowerCase() !== branch.rdnAttribute.toLowerCase()) return undefined;
  const eq: Filter = { type: 'equality', attribute: sourceRdnAttribute(branch), value: leaf[0]!.value };
  const corrSrc = branch.primary.mapping.toSource(c.attributes[0]!);
  const [primary] = await collectEntries(branch.primary.source, {
    baseDN: branch.primary.baseDn, scope: 'sub', filter: branch.primary.filter ? { type: 'and', filters: [branch.primary.filter, eq] } : eq,
    attributes: [corrSrc], sizeLimit: 1,
  });
  const value = primary?.attributes.find((a) => a.type.toLowerCase() === corrSrc.toLowerCase())?.values[0];
  if (value === undefined) return undefined;
  const partAttr = part.mapping.toSource(c.attributes[0]!);
  const eqPart: Filter = { type: 'equality', attribute: partAttr, value };
  const found = await collectEntries(part.source, {
    baseDN: part.baseDn, scope: 'sub', filter: part.filter ? { type: 'and', filters: [part.filter, eqPart] } : eqPart, attributes: ['1.1'], sizeLimit: 2,
  });
  return found.length === 1 ? formatDn(parseDn(found[0]!.dn)) : undefined;
}
