/**
 * Cross-key checks that a JSON Schema cannot express (a view naming an unknown
 * source, overlapping DNs). Each returns every problem it finds, as
 * `key: message` lines; the owning modules add theirs to this list.
 */
import type { Config } from './types.js';

export type CrossCheck = (config: Config) => string[];

function uniqueNames(config: Config): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  config.sources.forEach((s, i) => {
    if (seen.has(s.name)) problems.push(`sources[${i}].name: source "${s.name}" is defined twice`);
    seen.add(s.name);
  });
  return problems;
}

function embeddedUrlsNeedEmbedded(config: Config): string[] {
  if (config.embedded?.enabled !== false && config.embedded) return [];
  const problems: string[] = [];
  config.sources.forEach((s, i) => {
    s.urls.forEach((u, j) => {
      if (u === 'embedded') problems.push(`sources[${i}].urls[${j}]: "embedded" needs an enabled embedded directory`);
    });
  });
  return problems;
}

function profileSourceExists(config: Config): string[] {
  if (!config.profile) return [];
  return config.sources.some((s) => s.name === config.profile!.source)
    ? []
    : [`profile.source: unknown source "${config.profile.source}"`];
}

export const crossChecks: CrossCheck[] = [uniqueNames, embeddedUrlsNeedEmbedded, profileSourceExists];

/** Lets a module register its own checks (views, applications, scripts) at import time. */
export function registerCrossCheck(check: CrossCheck): void {
  crossChecks.push(check);
}
