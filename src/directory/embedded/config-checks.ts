/**
 * Checks of the `embedded` section that its JSON Schema cannot express: DNs
 * that parse, an administrator inside its suffix, suffixes that do not
 * overlap, admin-only subtrees inside their suffix, and distinct data files.
 * They run with the configuration loader's other checks and again at start-up.
 */
import { registerCrossCheck } from '../../config/checks.js';
import type { Config, EmbeddedConfig } from '../../config/types.js';
import { isWithin, keyOf } from './dn.js';
import { suffixSlug } from './journal.js';

export interface EmbeddedSuffixSettings { adminOnlySubtrees?: string[] }

function tryKey(dn: string): string | undefined {
  try {
    return keyOf(dn);
  } catch {
    return undefined;
  }
}

export function checkEmbeddedConfig(embedded: EmbeddedConfig | undefined): string[] {
  if (!embedded) return [];
  const problems: string[] = [];
  const seen: Array<{ key: string; slug: string; at: string }> = [];
  embedded.suffixes.forEach((s, i) => {
    const at = `embedded.suffixes[${i}]`;
    const key = tryKey(s.suffix);
    if (key === undefined || key === '') {
      problems.push(`${at}.suffix: "${s.suffix}" is not a distinguished name`);
      return;
    }
    const adminKey = tryKey(s.admin.dn);
    if (adminKey === undefined) problems.push(`${at}.admin.dn: "${s.admin.dn}" is not a distinguished name`);
    else if (!isWithin(adminKey, key)) problems.push(`${at}.admin.dn: must be within ${s.suffix}`);
    ((s as EmbeddedSuffixSettings).adminOnlySubtrees ?? []).forEach((dn, j) => {
      const k = tryKey(dn);
      if (k === undefined || !isWithin(k, key)) problems.push(`${at}.adminOnlySubtrees[${j}]: "${dn}" must be a DN within ${s.suffix}`);
    });
    const slug = suffixSlug(s.suffix);
    for (const other of seen) {
      if (isWithin(key, other.key) || isWithin(other.key, key)) problems.push(`${at}.suffix: overlaps ${other.at}.suffix`);
      else if (other.slug === slug) problems.push(`${at}.suffix: its data file name "${slug}" is the same as ${other.at}'s`);
    }
    seen.push({ key, slug, at });
  });
  return problems;
}

registerCrossCheck((config: Config) => (config.embedded?.enabled === false ? [] : checkEmbeddedConfig(config.embedded)));
