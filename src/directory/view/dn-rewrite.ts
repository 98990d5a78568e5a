/**
 * Rewrites DN-valued attribute values (member, manager, ...) between a source's
 * namespace and the view's. A source DN under a branch part's base whose leaf
 * RDN is the branch's naming attribute (after mapping) becomes
 * `<rdnAttribute>=<value>,<branch dn>`; the reverse makes
 * `<source rdn attribute>=<value>,<primary base>`. Other DNs pass unchanged:
 * rewriting them would need a directory lookup per value.
 */
import type { Attribute, Value } from '../model.js';
import { type CompiledBranch, type CompiledView, sourceRdnAttribute } from './branch.js';
import { type Dn, formatDn, isStrictlyUnder, parseDn } from '../dn.js';
import { syntaxOf } from './matching.js';

export class DnRewriter {
  private readonly branches: CompiledBranch[];

  constructor(views: CompiledView[]) {
    this.branches = views.flatMap((v) => v.branches);
  }

  /** A source DN as the view names it (unchanged when no branch names it). */
  toVirtual(sourceName: string, dn: string): string {
    let parsed: Dn;
    try { parsed = parseDn(dn); } catch { return dn; }
    for (const pass of ['primary', 'contributor'] as const) {
      for (const b of this.branches) {
        const parts = pass === 'primary' ? [b.primary] : b.contributors;
        for (const p of parts) {
          if (p.sourceName !== sourceName || !isStrictlyUnder(parsed, p.base)) continue;
          const leaf = parsed[0]!;
          if (leaf.length !== 1) continue;
          const viewName = p.mapping.toView(leaf[0]!.type);
          if (viewName?.toLowerCase() !== b.rdnAttribute.toLowerCase()) continue;
          return formatDn([[{ type: b.rdnAttribute, value: leaf[0]!.value }], ...b.dnParsed]);
        }
      }
    }
    return dn;
  }

  /** A virtual DN in a source's namespace, or the input when no branch of that source names it. */
  toSource(sourceName: string, dn: string): string {
    let parsed: Dn;
    try { parsed = parseDn(dn); } catch { return dn; }
    for (const b of this.branches) {
      if (b.primary.sourceName !== sourceName) continue;
      if (parsed.length !== b.dnParsed.length + 1 || !isStrictlyUnder(parsed, b.dnParsed)) continue;
      const leaf = parsed[0]!;
      if (leaf.length !== 1 || leaf[0]!.type.toLowerCase() !== b.rdnAttribute.toLowerCase()) continue;
      return formatDn([[{ type: sourceRdnAttribute(b), value: leaf[0]!.value }], ...b.primary.base]);
    }
    return dn;
  }

  private mapValues(attributes: Attribute[], f: (v: string) => string): Attribute[] {
    if (!attributes.some((a) => syntaxOf(a.type) === 'dn')) return attributes;
    return attributes.map((a) => (syntaxOf(a.type) === 'dn'
      ? { type: a.type, values: a.values.map((v: Value) => (typeof v === 'string' ? f(v) : v)) }
      : a));
  }

  attributesToVirtual(sourceName: string, attributes: Attribute[]): Attribute[] {
    return this.mapValues(attributes, (v) => this.toVirtual(sourceName, v));
  }

  attributesToSource(sourceName: string, attributes: Attribute[]): Attribute[] {
    return this.mapValues(attributes, (v) => this.toSource(sourceName, v));
  }
}
