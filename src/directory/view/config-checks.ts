/**
 * Checks of `views` (and of `profile` against them) that JSON Schema cannot
 * express: DNs and filters that parse; branches inside their view's suffix and
 * not overlapping one another; sources that exist; source bases inside their
 * source; two branches never reading the same source DNs as primaries; a
 * contributor's attributes owned by one part only, and never the naming or
 * correlation attribute; correlation present where contributors are; mappings
 * that name a source of the branch and map no name twice; the profile outside
 * every branch (its sessions must not show through the view). Each problem is
 * reported as `key: message`, naming the view and branch, all at once.
 * Registered with the configuration loader on import; createVirtualDirectory
 * runs them again.
 */
import { registerCrossCheck } from '../../config/checks.js';
import type { Config } from '../../config/types.js';
import type { ViewBranchConfig, ViewsConfig } from './branch.js';
import { type Dn, isUnder, normalizeDn, parseDn } from '../dn.js';
import { parseFilter } from './filter-text.js';

const RESERVED_SUFFIXES = ['o=gateway'];

function dnOrProblem(text: string, key: string, problems: string[]): Dn | undefined {
  try {
    return parseDn(text);
  } catch {
    problems.push(`${key}: "${text}" is not a distinguished name`);
    return undefined;
  }
}

function overlap(a: Dn, b: Dn): boolean {
  return isUnder(a, b) || isUnder(b, a);
}

export interface ViewsCheckInput {
  sources: Array<{ name: string; baseDn: string; readOnly?: boolean }>;
  views: ViewsConfig;
  profile?: { source: string; baseDn: string } | undefined;
}

export function checkViewsConfig(config: ViewsCheckInput): string[] {
  const problems: string[] = [];
  const sources = new Map(config.sources.map((s) => [s.name, s]));
  const sourceBase = new Map<string, Dn | undefined>();
  for (const s of config.sources) {
    try { sourceBase.set(s.name, parseDn(s.baseDn)); } catch { sourceBase.set(s.name, undefined); }
  }
  let profileBase: Dn | undefined;
  if (config.profile) {
    profileBase = dnOrProblem(config.profile.baseDn, 'profile.baseDn', problems);
    const sb = sourceBase.get(config.profile.source);
    if (profileBase && sb && !isUnder(profileBase, sb)) problems.push(`profile.baseDn: "${config.profile.baseDn}" is not inside source ${config.profile.source} (${sources.get(config.profile.source)!.baseDn})`);
    if (sources.get(config.profile.source)?.readOnly) problems.push(`profile.source: source "${config.profile.source}" is read-only; the profile must be writable`);
  }

  const suffixes: Array<{ dn: Dn; key: string }> = [];
  const branchDns: Array<{ dn: Dn; key: string }> = [];
  const primaries: Array<{ source: string; dn: Dn; key: string }> = [];

  config.views.forEach((view, vi) => {
    const vkey = `views[${vi}] (${view.suffix})`;
    const suffix = dnOrProblem(view.suffix, `${vkey}.suffix`, problems);
    if (suffix) {
      if (suffix.length === 0) problems.push(`${vkey}.suffix: must not be the root DN`);
      for (const r of RESERVED_SUFFIXES) if (overlap(suffix, parseDn(r))) problems.push(`${vkey}.suffix: overlaps ${r}, which the gateway answers itself`);
      for (const s of suffixes) if (overlap(suffix, s.dn)) problems.push(`${vkey}.suffix: overlaps the suffix of ${s.key}`);
      suffixes.push({ dn: suffix, key: vkey });
    }
    const names = new Set<string>();
    view.branches.forEach((b: ViewBranchConfig, bi) => {
      const key = `views[${vi}].branches[${bi}] (${b.name})`;
      if (names.has(b.name)) problems.push(`${key}.name: branch "${b.name}" is defined twice in ${view.suffix}`);
      names.add(b.name);
      const dn = dnOrProblem(b.dn, `${key}.dn`, problems);
      if (dn && suffix) {
        if (!isUnder(dn, suffix) || dn.length === suffix.length) problems.push(`${key}.dn: "${b.dn}" must be below the view's suffix ${view.suffix}`);
        for (const other of branchDns) if (overlap(dn, other.dn)) problems.push(`${key}.dn: "${b.dn}" overlaps ${other.key}`);
        branchDns.push({ dn, key });
      }
      const partSources = new Set<string>();
      const checkPart = (p: { source: string; baseDn: string; filter?: string | undefined }, pkey: string): Dn | undefined => {
        partSources.add(p.source);
        if (!sources.has(p.source)) {
          problems.push(`${pkey}.source: unknown source "${p.source}"`);
          return undefined;
        }
        const base = dnOrProblem(p.baseDn, `${pkey}.baseDn`, problems);
        const sb = sourceBase.get(p.source);
        if (base && sb && !isUnder(base, sb)) problems.push(`${pkey}.baseDn: "${p.baseDn}" is not inside source ${p.source} (${sources.get(p.source)!.baseDn})`);
        if (base && profileBase && config.profile?.source === p.source && overlap(base, profileBase)) {
          problems.push(`${pkey}.baseDn: "${p.baseDn}" overlaps the extended profile (${config.profile.baseDn}); use the branch's "profile" key to show profile attributes`);
        }
        if (p.filter !== undefined) {
          try { parseFilter(p.filter); } catch { problems.push(`${pkey}.filter: "${p.filter}" is not an LDAP filter`); }
        }
        return base;
      };
      const pbase = checkPart(b.primary, `${key}.primary`);
      if (pbase) {
        for (const other of primaries) {
          if (other.source === b.primary.source && overlap(pbase, other.dn)) {
            problems.push(`${key}.primary.baseDn: "${b.primary.baseDn}" overlaps the primary base of ${other.key} in source ${b.primary.source}; an entry would appear twice`);
          }
        }
        primaries.push({ source: b.primary.source, dn: pbase, key });
      }
      const owners = new Map<string, string>();
      const rdn = b.rdnAttribute.toLowerCase();
      const corr = (b.correlation?.attributes ?? []).map((a) => a.toLowerCase());
      (b.contributors ?? []).forEach((c, ci) => {
        const ckey = `${key}.contributors[${ci}]`;
        checkPart(c, ckey);
        if (c.attributes.length === 0) problems.push(`${ckey}.attributes: a contributor must own at least one attribute`);
        c.attributes.forEach((a, ai) => {
          const lower = a.toLowerCase();
          if (lower === rdn) problems.push(`${ckey}.attributes[${ai}]: "${a}" names the branch's entries and belongs to the primary`);
          if (lower === 'objectclass') problems.push(`${ckey}.attributes[${ai}]: objectClass belongs to the primary`);
          if (corr.includes(lower)) problems.push(`${ckey}.attributes[${ai}]: "${a}" is a correlation attribute; the primary holds it, every source is joined on it`);
          const prev = owners.get(lower);
          if (prev) problems.push(`${ckey}.attributes[${ai}]: "${a}" is already owned by ${prev}`);
          owners.set(lower, ckey);
        });
        if (c.provision && !c.provision.objectClasses.length) problems.push(`${ckey}.provision.objectClasses: must name at least one object class`);
      });
      if (b.profile) {
        const pk = `${key}.profile`;
        if (!config.profile) problems.push(`${pk}: needs the top-level "profile" section`);
        else partSources.add(config.profile.source);
        if (b.profile.container !== undefined) dnOrProblem(b.profile.container, `${pk}.container`, problems);
        b.profile.attributes.forEach((a, ai) => {
          const lower = a.toLowerCase();
          if (lower === rdn || lower === 'objectclass' || corr.includes(lower)) problems.push(`${pk}.attributes[${ai}]: "${a}" belongs to the primary`);
          const prev = owners.get(lower);
          if (prev) problems.push(`${pk}.attributes[${ai}]: "${a}" is already owned by ${prev}`);
          owners.set(lower, pk);
        });
      }
      if ((b.contributors ?? []).length > 0 && !b.correlation) problems.push(`${key}.correlation: a branch with contributors needs a correlation rule`);
      (b.attributeMap ?? []).forEach((m, mi) => {
        const mkey = `${key}.attributeMap[${mi}]`;
        if (!partSources.has(m.source)) problems.push(`${mkey}.source: "${m.source}" is not a source of this branch`);
        (b.attributeMap ?? []).slice(0, mi).forEach((o, oi) => {
          if (o.source !== m.source) return;
          if (o.view.toLowerCase() === m.view.toLowerCase()) problems.push(`${mkey}.view: "${m.view}" is already mapped from ${m.source} by attributeMap[${oi}]`);
          if (o.sourceAttribute.toLowerCase() === m.sourceAttribute.toLowerCase()) problems.push(`${mkey}.sourceAttribute: "${m.sourceAttribute}" of ${m.source} is already mapped by attributeMap[${oi}]`);
        });
        const isCorrOrRdn = corr.includes(m.view.toLowerCase()) || m.view.toLowerCase() === rdn;
        if (isCorrOrRdn && (m.transform ?? 'none') !== 'none') problems.push(`${mkey}.transform: "${m.view}" names or joins entries; it cannot have a value transform`);
      });
      (b.objectClassMap ?? []).forEach((m, mi) => {
        if (!partSources.has(m.source)) problems.push(`${key}.objectClassMap[${mi}].source: "${m.source}" is not a source of this branch`);
      });
    });
  });
  if (profileBase) {
    for (const s of suffixes) if (config.profile && normalizeDn(s.dn) === normalizeDn(profileBase)) problems.push(`profile.baseDn: equals the suffix of ${s.key}`);
  }
  return problems;
}

registerCrossCheck((config: Config) => checkViewsConfig({
  sources: config.sources,
  views: config.views as unknown as ViewsConfig,
  profile: config.profile,
}));
