/**
 * Reconciliation: one full pass over a branch that joins every primary entry
 * with every contributor entry by correlation key, to find what a search
 * cannot see (orphans, entries matched by several identities anywhere in the
 * branch). Its findings replace the branch's part of the unresolved list and
 * decide which correlation keys must not be joined. It holds the keys (not the
 * entries) of the whole branch in memory.
 */
import type { Entry } from '../model.js';
import { type CompiledBranch, primaryViewAttributes, sourceRdnAttribute, virtualDnFor } from './branch.js';
import { correlationKeys } from './correlation.js';
import { normalizeDn } from '../dn.js';
import type { UnresolvedItem, UnresolvedList } from './unresolved.js';
import { linkFor } from './join.js';
import { streamEntries } from './source-io.js';

type Found = { item: Omit<UnresolvedItem, 'since'>; block?: { partId: string } };

function push(map: Map<string, string[]>, key: string, dn: string): void {
  const list = map.get(key);
  if (list) { if (!list.includes(dn)) list.push(dn); } else map.set(key, [dn]);
}

export async function reconcileBranch(branch: CompiledBranch, unresolved: UnresolvedList): Promise<Found[]> {
  const found: Found[] = [];
  const base = { view: branch.viewSuffix, branch: branch.name };
  const c = branch.correlation;
  const primaryByKey = new Map<string, string[]>();
  const primaryKeys = new Map<string, string[]>();
  const byVirtual = new Map<string, string[]>();
  const virtualOf = new Map<string, string>();
  const attrs = [sourceRdnAttribute(branch), ...(c ? c.attributes.map((a) => branch.primary.mapping.toSource(a)) : [])];
  for await (const e of streamEntries(branch.primary.source, { baseDN: branch.primary.baseDn, scope: 'sub', filter: branch.primary.filter, attributes: attrs })) {
    const vdn = virtualDnFor(branch, primaryViewAttributes(branch, e), e.dn);
    if (!vdn) continue;
    push(byVirtual, normalizeDn(vdn), e.dn);
    virtualOf.set(e.dn, vdn);
    const keys = c ? correlationKeys(branch.primary, c, e) : [];
    primaryKeys.set(e.dn, keys);
    for (const k of keys) push(primaryByKey, k, e.dn);
  }
  for (const dns of byVirtual.values()) {
    if (dns.length < 2) continue;
    for (const dn of dns) found.push({ item: { ...base, reason: 'rdn-duplicate', source: branch.primary.sourceName, sourceDn: dn, virtualDn: virtualOf.get(dn)!, candidates: dns } });
  }
  for (const part of branch.contributors) {
    if (part.role !== 'contributor' || !c) continue;
    const link = linkFor(branch, part)!;
    const partByKey = new Map<string, string[]>();
    const partEntries: Array<{ dn: string; keys: string[] }> = [];
    for await (const e of streamEntries(part.source, { baseDN: part.baseDn, scope: 'sub', filter: part.filter, attributes: link.keyAttributes }) as AsyncIterable<Entry>) {
      const keys = link.partKeys(e);
      partEntries.push({ dn: e.dn, keys });
      for (const k of keys) push(partByKey, k, e.dn);
    }
    for (const [pdn, keys] of primaryKeys) {
      const vdn = virtualOf.get(pdn)!;
      if (keys.length === 0) {
        if (part.required) found.push({ item: { ...base, reason: 'correlation-value-missing', source: branch.primary.sourceName, sourceDn: pdn, virtualDn: vdn, otherSource: part.sourceName } });
        continue;
      }
      const cands = [...new Set(keys.flatMap((k) => partByKey.get(k) ?? []))];
      if (cands.length > 1) {
        found.push({ item: { ...base, reason: 'contributor-ambiguous', source: branch.primary.sourceName, sourceDn: pdn, virtualDn: vdn, otherSource: part.sourceName, candidates: cands, correlationValue: keys[0]! }, block: { partId: part.id } });
      } else if (cands.length === 0 && part.required) {
        found.push({ item: { ...base, reason: 'contributor-missing', source: branch.primary.sourceName, sourceDn: pdn, virtualDn: vdn, otherSource: part.sourceName, correlationValue: keys[0]! } });
      }
    }
    for (const pe of partEntries) {
      if (pe.keys.length === 0) {
        if (branch.orphans === 'unresolved') found.push({ item: { ...base, reason: 'correlation-value-missing', source: part.sourceName, sourceDn: pe.dn, otherSource: branch.primary.sourceName } });
        continue;
      }
      const prims = [...new Set(pe.keys.flatMap((k) => primaryByKey.get(k) ?? []))];
      if (prims.length > 1) {
        found.push({ item: { ...base, reason: 'primary-ambiguous', source: part.sourceName, sourceDn: pe.dn, otherSource: branch.primary.sourceName, candidates: prims, correlationValue: pe.keys[0]! }, block: { partId: part.id } });
      } else if (prims.length === 0 && branch.orphans === 'unresolved') {
        found.push({ item: { ...base, reason: 'orphan', source: part.sourceName, sourceDn: pe.dn, otherSource: branch.primary.sourceName, correlationValue: pe.keys[0]! } });
      }
    }
  }
  const branchId = branch.id;
  unresolved.replaceBranch(branch.viewSuffix, branch.name, branchId, found);
  return found;
}
