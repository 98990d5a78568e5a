/**
 * Whether an entry is suspended under a target's suspend rule: the configured
 * attribute holds the configured value (compared case-insensitively). Login
 * calls this to refuse suspended users; activeRequest answers with it.
 */
import type { Entry } from '../directory/model.js';
import { getAttribute } from '../directory/model.js';
import type { SpmlTargetConfig } from './config.js';

export function isSuspended(entry: Entry, target: Pick<SpmlTargetConfig, 'suspend'>): boolean {
  const rule = target.suspend;
  if (!rule) return false;
  const want = rule.value.toLowerCase();
  const values = getAttribute(entry, rule.attribute)?.values ?? [];
  return values.some((v) => (typeof v === 'string' ? v : v.toString('utf8')).toLowerCase() === want);
}
