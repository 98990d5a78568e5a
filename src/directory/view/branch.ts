/**
 * A view branch compiled from configuration into what the search and write
 * paths use: parsed DNs and filters, each source part with its mapping and the
 * view attributes it owns, and the naming rule of virtual entries.
 */
import type { BranchConfig, ContributorConfig, ProfileConfig, ViewConfig } from '../../config/types.js';
import { DirgateError } from '../../errors.js';
import type { Attribute, Entry, Filter } from '../model.js';
import { getAttribute } from '../model.js';
import type { LdapSource } from '../sources/types.js';
import { type Dn, formatDn, formatRdn, normalizeDn, parseDn } from '../dn.js';
import { parseFilter } from './filter-text.js';
import { AttributeMapping, type Transform } from './mapping.js';
import type { NormalizeStep } from './correlation.js';

/** How dirgate creates and deletes a contributor's entries (absent: it only writes attributes of entries that exist). */
export interface ProvisionConfig {
  rdnAttribute: string;
  objectClasses: string[];
  /** View attributes copied from the identity into a new entry (what the source's schema requires, such as cn). */
  copy?: string[];
}
export interface BranchProfileConfig { attributes: string[]; container?: string; objectClasses?: string[] }

/** The branch configuration with the keys this module adds to config/types.ts. */
export type ViewBranchConfig = Omit<BranchConfig, 'contributors'> & {
  contributors: Array<ContributorConfig & { provision?: ProvisionConfig }>;
  profile?: BranchProfileConfig;
  reconcileSeconds?: number;
};
export type ViewsConfig = Array<Omit<ViewConfig, 'branches'> & { branches: ViewBranchConfig[] }>;

export type PartRole = 'primary' | 'contributor' | 'profile';

export interface SourcePart {
  /** Stable id within the branch: `primary`, `contributor:<i>`, `profile`. */
  id: string;
  role: PartRole;
  sourceName: string;
  source: LdapSource;
  baseDn: string;
  base: Dn;
  baseKey: string;
  /** The operator's branch filter, in source terms. */
  filter?: Filter;
  mapping: AttributeMapping;
  /** View attributes this part owns (lower-case); empty for the primary, which owns the rest. */
  owns: Set<string>;
  required: boolean;
  provision?: ProvisionConfig;
  /** Profile parts: object classes for entries dirgate creates. */
  objectClasses?: string[];
}

export interface CompiledBranch {
  /** `<view suffix>#<branch name>`: unique across views. */
  id: string;
  viewSuffix: string;
  name: string;
  dn: string;
  dnParsed: Dn;
  dnKey: string;
  rdnAttribute: string;
  primary: SourcePart;
  /** Contributors in configuration order, then the profile part. */
  contributors: SourcePart[];
  correlation?: { attributes: string[]; normalize: NormalizeStep[] };
  orphans: 'ignore' | 'unresolved';
  limits: BranchConfig['limits'];
  partialResults: BranchConfig['partialResults'];
  reconcileSeconds: number;
}

export interface CompiledView {
  suffix: string;
  suffixParsed: Dn;
  suffixKey: string;
  branches: CompiledBranch[];
}

function mappingFor(branch: ViewBranchConfig, sourceName: string): AttributeMapping {
  const rules = (branch.attributeMap ?? [])
    .filter((r) => r.source === sourceName)
    .map((r) => ({ view: r.view, sourceAttribute: r.sourceAttribute, transform: (r.transform ?? 'none') as Transform }));
  const ocs = (branch.objectClassMap ?? [])
    .filter((r) => r.source === sourceName)
    .map((r) => ({ view: r.view, sourceObjectClass: r.sourceObjectClass }));
  return new AttributeMapping(rules, ocs);
}

function sourceOf(sources: Map<string, LdapSource>, name: string, where: string): LdapSource {
  const s = sources.get(name);
  if (!s) throw new DirgateError('ERR_CONFIG_INVALID', `${where}: no source named "${name}" was given to the virtual directory`);
  return s;
}

/** The profile container of a branch, in the profile source's terms. */
export function profileContainer(branch: Pick<ViewBranchConfig, 'name' | 'profile'>, profile: ProfileConfig): string {
  const rel = branch.profile?.container ?? formatRdn([{ type: 'ou', value: branch.name }]);
  return formatDn([...parseDn(rel), ...parseDn(profile.baseDn)]);
}

export function compileViews(
  views: ViewsConfig,
  sources: Map<string, LdapSource>,
  profile: ProfileConfig | undefined,
): CompiledView[] {
  return views.map((view, vi) => {
    const suffixParsed = parseDn(view.suffix);
    const branches = view.branches.map((b, bi): CompiledBranch => {
      const where = `views[${vi}].branches[${bi}]`;
      const part = (
        id: string, role: PartRole, cfg: { source: string; baseDn: string; filter?: string },
        owns: string[], extra: Partial<SourcePart> = {},
      ): SourcePart => {
        const base = parseDn(cfg.baseDn);
        const p: SourcePart = {
          id, role, sourceName: cfg.source, source: sourceOf(sources, cfg.source, where),
          baseDn: cfg.baseDn, base, baseKey: normalizeDn(base),
          mapping: mappingFor(b, cfg.source), owns: new Set(owns.map((a) => a.toLowerCase())),
          required: false, ...extra,
        };
        if (cfg.filter) p.filter = parseFilter(cfg.filter);
        return p;
      };
      const contributors = (b.contributors ?? []).map((c, ci) => part(`contributor:${ci}`, 'contributor', c, c.attributes, {
        required: c.required ?? false, ...(c.provision ? { provision: c.provision } : {}),
      }));
      if (b.profile) {
        if (!profile) throw new DirgateError('ERR_CONFIG_INVALID', `${where}.profile: needs the top-level "profile" section`);
        contributors.push(part('profile', 'profile', { source: profile.source, baseDn: profileContainer(b, profile) }, b.profile.attributes,
          b.profile.objectClasses ? { objectClasses: b.profile.objectClasses } : {}));
      }
      const dnParsed = parseDn(b.dn);
      const compiled: CompiledBranch = {
        id: `${normalizeDn(suffixParsed)}#${b.name}`,
        viewSuffix: view.suffix,
        name: b.name,
        dn: b.dn,
        dnParsed,
        dnKey: normalizeDn(dnParsed),
        rdnAttribute: b.rdnAttribute,
        primary: part('primary', 'primary', b.primary, []),
        contributors,
        orphans: b.orphans ?? 'unresolved',
        limits: b.limits ?? { sizeLimit: 1000, timeLimitSeconds: 30, refuseUnindexedSubstrings: false, indexedAttributes: [] },
        partialResults: b.partialResults ?? 'unavailable',
        reconcileSeconds: b.reconcileSeconds ?? 300,
      };
      if (b.correlation) {
        compiled.correlation = {
          attributes: b.correlation.attributes,
          normalize: (b.correlation.normalize ?? ['lowercase', 'trim']) as NormalizeStep[],
        };
      }
      return compiled;
    });
    return { suffix: view.suffix, suffixParsed, suffixKey: normalizeDn(suffixParsed), branches };
  });
}

/** The part that owns a view attribute in this branch. */
const owners = new WeakMap<CompiledBranch, Map<string, SourcePart>>();
export function ownerOf(branch: CompiledBranch, viewAttribute: string): SourcePart {
  let memo = owners.get(branch);
  if (!memo) { memo = new Map(); owners.set(branch, memo); }
  let owner = memo.get(viewAttribute);
  if (!owner) {
    const lower = viewAttribute.toLowerCase().split(';')[0]!;
    owner = branch.contributors.find((c) => c.owns.has(lower)) ?? branch.primary;
    if (memo.size < 10_000) memo.set(viewAttribute, owner);
  }
  return owner;
}

/** The primary source's attribute that names virtual entries. */
export function sourceRdnAttribute(branch: CompiledBranch): string {
  return branch.primary.mapping.toSource(branch.rdnAttribute);
}

/** The naming value of a view-form primary entry, or undefined when it has none. */
export function virtualValueFor(branch: CompiledBranch, viewAttributes: Attribute[], sourceDn?: string): string | undefined {
  const attr = viewAttributes.find((a) => a.type.toLowerCase() === branch.rdnAttribute.toLowerCase());
  const values = (attr?.values ?? []).filter((v): v is string => typeof v === 'string');
  if (values.length === 0) return undefined;
  let value = values[0]!;
  if (values.length > 1 && sourceDn) {
    // Several values: the one the source entry is named by, when it is.
    try {
      const leaf = parseDn(sourceDn)[0]?.find((a) => a.type.toLowerCase() === sourceRdnAttribute(branch).toLowerCase());
      const hit = leaf && values.find((v) => v.toLowerCase() === leaf.value.toLowerCase());
      if (hit) value = hit;
    } catch { /* keep the first value */ }
  }
  return value;
}

/** The virtual DN of a naming value, and its normalised key (built without parsing). */
export function virtualName(branch: CompiledBranch, value: string): { dn: string; key: string } {
  const leaf: Dn = [[{ type: branch.rdnAttribute, value }]];
  return { dn: formatDn([...leaf, ...branch.dnParsed]), key: `${normalizeDn(leaf)},${branch.dnKey}` };
}

/** `uid=alice,ou=people,o=example` for a view-form primary entry, or undefined when it has no naming value. */
export function virtualDnFor(branch: CompiledBranch, viewAttributes: Attribute[], sourceDn?: string): string | undefined {
  const value = virtualValueFor(branch, viewAttributes, sourceDn);
  return value === undefined ? undefined : virtualName(branch, value).dn;
}

/** The primary source entry's attributes in view form, without what contributors own. */
export function primaryViewAttributes(branch: CompiledBranch, sourceEntry: Entry): Attribute[] {
  return branch.primary.mapping.attributesToView(sourceEntry.attributes)
    .filter((a) => ownerOf(branch, a.type) === branch.primary);
}

/** A contributor entry's attributes in view form, only those it owns. */
export function contributorViewAttributes(part: SourcePart, sourceEntry: Entry): Attribute[] {
  return part.mapping.attributesToView(sourceEntry.attributes)
    .filter((a) => part.owns.has(a.type.toLowerCase().split(';')[0]!));
}

export { getAttribute };
