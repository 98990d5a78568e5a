/**
 * Finding the user that primary credentials name, in the virtual directory:
 * by login name (`uid`, the view's resolveUser), by the attribute a JWT
 * signer's claim maps to, or by the attribute a certificate subject maps to.
 * Filters are built from structure; an ambiguous match finds nobody.
 */
import type { Directory, Entry, Filter, SearchRequest } from '../../directory/model.js';
import { getAttribute } from '../../directory/model.js';
import { isUnder } from '../../directory/dn.js';
import { isSuspended } from '../../spml/suspended.js';

export interface UserDirectory extends Directory {
  resolveUser(name: string): Promise<Entry | undefined>;
  /** A bind that cannot succeed, so a login naming nobody costs what a wrong password costs (VirtualDirectory). */
  checkDecoyPassword?(password: string): Promise<void>;
}

/** Searches every view suffix for exactly one entry with `attribute=value`. */
export async function findUserBy(view: Directory, suffixes: readonly string[], attribute: string, value: string): Promise<Entry | undefined> {
  const filter: Filter = { type: 'equality', attribute, value };
  const hits: Entry[] = [];
  for (const baseDN of suffixes) {
    const req: SearchRequest = {
      baseDN, scope: 'sub', derefAliases: 'never', sizeLimit: 2, timeLimit: 0, typesOnly: false, filter, attributes: [], controls: [],
    };
    try {
      for await (const ev of view.search(req, { requestId: 'find-user', principal: { service: true } })) {
        if (ev.kind === 'entry') hits.push(ev.entry);
      }
    } catch (err) {
      // Two matches in one suffix: as ambiguous as two across suffixes.
      if ((err as { code?: string }).code === 'ERR_SIZE_LIMIT_EXCEEDED') return undefined;
      throw err;
    }
    if (hits.length > 1) return undefined;
  }
  return hits.length === 1 ? hits[0] : undefined;
}

/** The entry of a virtual DN, read as the gateway's service identity. */
export async function readEntry(view: Directory, dn: string, attributes: string[] = []): Promise<Entry | undefined> {
  const req: SearchRequest = {
    baseDN: dn, scope: 'base', derefAliases: 'never', sizeLimit: 1, timeLimit: 0, typesOnly: false,
    filter: { type: 'present', attribute: 'objectClass' }, attributes, controls: [],
  };
  try {
    for await (const ev of view.search(req, { requestId: 'read-entry', principal: { service: true } })) {
      if (ev.kind === 'entry') return ev.entry;
    }
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_NO_SUCH_OBJECT') return undefined;
    throw err;
  }
  return undefined;
}

/** Text values of an entry, for the createSession hook (binary values are left out). */
export function textAttributes(entry: Entry): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const a of entry.attributes) {
    if (a.type.toLowerCase() === 'userpassword') continue;
    const values = a.values.filter((v): v is string => typeof v === 'string');
    if (values.length) out[a.type] = values;
  }
  return out;
}

export function firstText(entry: Entry, type: string): string | undefined {
  const v = getAttribute(entry, type)?.values[0];
  return typeof v === 'string' ? v : undefined;
}

export interface SuspendRule { dn: string; suspend?: { attribute: string; value: string } }

/** Whether an SPML suspend rule of a target holding the entry marks it suspended. */
export function suspended(entry: Entry, rules: readonly SuspendRule[]): boolean {
  return rules.some((rule) => {
    if (!rule.suspend) return false;
    let within = false;
    try { within = isUnder(entry.dn, rule.dn); } catch { within = false; }
    return within && isSuspended(entry, rule);
  });
}
