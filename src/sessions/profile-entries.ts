/**
 * The little the session store needs of the extended profile: read, add,
 * modify, delete and search entries under one base DN, with LDAP's own
 * semantics (a modify that deletes a value that is not there fails with
 * ERR_NO_SUCH_ATTRIBUTE, which is what makes compare-and-swap updates work on
 * every replica). `ldapProfileEntries` implements it over an LdapSource (real
 * slapd or the embedded directory); `memoryProfileEntries` over a Map, for fast
 * unit tests of the logic above it (the integration tests run the same
 * scenarios on slapd).
 */
import { DirgateError } from '../errors.js';
import type { Attribute, Entry, Filter, Modification } from '../directory/model.js';
import { LDAP_RESULT } from '../errors.js';
import type { LdapSource } from '../directory/sources/types.js';
import type { ProfileStore } from '../directory/profile/store.js';

export interface ProfileEntries {
  /** The profile's base DN; every DN passed in is at or under it. */
  readonly baseDn: string;
  /** The entry, or undefined when it does not exist. */
  get(dn: string): Promise<Entry | undefined>;
  /** Throws ERR_ALREADY_EXISTS when the entry exists. */
  add(dn: string, attributes: Attribute[]): Promise<void>;
  /** Applies the changes atomically; throws ERR_NO_SUCH_OBJECT, ERR_NO_SUCH_ATTRIBUTE, ... */
  modify(dn: string, changes: Modification[]): Promise<void>;
  /** Throws ERR_NO_SUCH_OBJECT when the entry does not exist. */
  delete(dn: string): Promise<void>;
  /** Entries one level below `parentDn` matching the filter. */
  list(parentDn: string, filter: Filter): Promise<Entry[]>;
}

function isCode(err: unknown, code: string): boolean {
  return err instanceof DirgateError && err.code === code;
}

/** Runs `fn`; ERR_NO_SUCH_OBJECT becomes `fallback`. */
export async function unlessMissing<T>(fn: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isCode(err, 'ERR_NO_SUCH_OBJECT')) return fallback;
    throw err;
  }
}

export function isConflict(err: unknown): boolean {
  return isCode(err, 'ERR_NO_SUCH_ATTRIBUTE') || isCode(err, 'ERR_NO_SUCH_OBJECT') || isCode(err, 'ERR_ALREADY_EXISTS');
}

const MATCH_ALL: Filter = { type: 'present', attribute: 'objectClass' };

/** Over one LDAP source, bound as its service account (the profile is the gateway's own data). */
export function ldapProfileEntries(source: LdapSource, baseDn: string): ProfileEntries {
  async function collect(baseDN: string, scope: 'base' | 'one', filter: Filter): Promise<Entry[]> {
    const out: Entry[] = [];
    for await (const event of source.search({
      baseDN, scope, derefAliases: 'never', sizeLimit: 0, timeLimit: 0, typesOnly: false,
      filter, attributes: [], controls: [],
    })) {
      if (event.kind === 'entry') out.push(event.entry);
      else if (event.kind === 'done' && event.result.resultCode === LDAP_RESULT.noSuchObject) {
        throw new DirgateError('ERR_NO_SUCH_OBJECT', 'no such object', { matchedDN: event.result.matchedDN });
      }
    }
    return out;
  }
  return {
    baseDn,
    get: (dn) => unlessMissing(async () => (await collect(dn, 'base', MATCH_ALL))[0], undefined),
    add: async (dn, attributes) => { await source.add({ dn, attributes, controls: [] }); },
    modify: async (dn, changes) => { await source.modify({ dn, changes, controls: [] }); },
    delete: async (dn) => { await source.delete({ dn, controls: [] }); },
    list: (parentDn, filter) => unlessMissing(() => collect(parentDn, 'one', filter), []),
  };
}

// ---- in memory -------------------------------------------------------------

function normDn(dn: string): string {
  return dn.split(',').map((rdn) => rdn.trim().toLowerCase()).join(',');
}

function parentOf(dn: string): string {
  return normDn(dn).split(',').slice(1).join(',');
}

function valuesOf(entry: Entry, type: string): string[] {
  const lower = type.toLowerCase();
  return entry.attributes.filter((a) => a.type.toLowerCase() === lower).flatMap((a) => a.values.map(String));
}

/** Enough of filter evaluation for the store's own searches. */
function matches(entry: Entry, filter: Filter): boolean {
  switch (filter.type) {
    case 'and': return filter.filters.every((f) => matches(entry, f));
    case 'or': return filter.filters.some((f) => matches(entry, f));
    case 'not': return !matches(entry, filter.filter);
    case 'present': return valuesOf(entry, filter.attribute).length > 0;
    case 'equality': {
      const want = String(filter.value);
      return valuesOf(entry, filter.attribute).some((v) => v === want || (/,|=/.test(v) && normDn(v) === normDn(want)));
    }
    case 'lessOrEqual': return valuesOf(entry, filter.attribute).some((v) => Number(v) <= Number(filter.value));
    case 'greaterOrEqual': return valuesOf(entry, filter.attribute).some((v) => Number(v) >= Number(filter.value));
    default: throw new DirgateError('ERR_UNWILLING_TO_PERFORM', `filter ${filter.type} is not supported in memory`);
  }
}

function clone(entry: Entry): Entry {
  return { dn: entry.dn, attributes: entry.attributes.map((a) => ({ type: a.type, values: [...a.values] })) };
}

export function memoryProfileEntries(baseDn: string): ProfileEntries & { size(): number } {
  const entries = new Map<string, Entry>();
  const base = normDn(baseDn);
  const requireUnderBase = (dn: string) => {
    const n = normDn(dn);
    if (n !== base && !n.endsWith(`,${base}`)) throw new DirgateError('ERR_NO_SUCH_OBJECT', `${dn} is outside ${baseDn}`);
  };
  return {
    baseDn,
    size: () => entries.size,
    async get(dn) {
      const e = entries.get(normDn(dn));
      return e && clone(e);
    },
    async add(dn, attributes) {
      requireUnderBase(dn);
      const key = normDn(dn);
      if (entries.has(key)) throw new DirgateError('ERR_ALREADY_EXISTS', `${dn} exists`);
      if (key !== base && !entries.has(parentOf(dn))) throw new DirgateError('ERR_NO_SUCH_OBJECT', `the parent of ${dn} does not exist`);
      entries.set(key, clone({ dn, attributes }));
    },
    async modify(dn, changes) {
      const current = entries.get(normDn(dn));
      if (!current) throw new DirgateError('ERR_NO_SUCH_OBJECT', `${dn} does not exist`);
      const next = clone(current);
      for (const change of changes) {
        const type = change.attribute.type.toLowerCase();
        const index = next.attributes.findIndex((a) => a.type.toLowerCase() === type);
        const existing = index >= 0 ? next.attributes[index]! : undefined;
        const values = change.attribute.values.map(String);
        if (change.operation === 'replace') {
          if (existing) next.attributes.splice(index, 1);
          if (values.length) next.attributes.push({ type: change.attribute.type, values });
        } else if (change.operation === 'add') {
          if (existing) {
            if (values.some((v) => existing.values.map(String).includes(v))) throw new DirgateError('ERR_ATTRIBUTE_OR_VALUE_EXISTS', 'value exists');
            existing.values.push(...values);
          } else next.attributes.push({ type: change.attribute.type, values });
        } else {
          if (!existing) throw new DirgateError('ERR_NO_SUCH_ATTRIBUTE', `no ${change.attribute.type}`);
          if (values.length === 0) next.attributes.splice(index, 1);
          else {
            for (const v of values) {
              const at = existing.values.map(String).indexOf(v);
              if (at < 0) throw new DirgateError('ERR_NO_SUCH_ATTRIBUTE', `no such value of ${change.attribute.type}`);
              existing.values.splice(at, 1);
            }
            if (existing.values.length === 0) next.attributes.splice(next.attributes.indexOf(existing), 1);
          }
        }
      }
      entries.set(normDn(dn), next);
    },
    async delete(dn) {
      const key = normDn(dn);
      if (!entries.has(key)) throw new DirgateError('ERR_NO_SUCH_OBJECT', `${dn} does not exist`);
      if ([...entries.keys()].some((k) => k.endsWith(`,${key}`))) throw new DirgateError('ERR_NOT_ALLOWED_ON_NON_LEAF', `${dn} has children`);
      entries.delete(key);
    },
    async list(parentDn, filter) {
      const parent = normDn(parentDn);
      return [...entries.entries()].filter(([k, e]) => parentOf(k) === parent && matches(e, filter)).map(([, e]) => clone(e));
    },
  };
}

/**
 * Over the virtual directory's ProfileStore (src/directory/profile/store.ts):
 * reads and adds go straight to its source (an add must fail when the entry
 * exists, which `put` does not), modifies and deletes through the store so the
 * view's cache hears of them.
 */
export function profileStoreEntries(store: ProfileStore): ProfileEntries {
  const direct = ldapProfileEntries(store.source, store.baseDn);
  const relative = (dn: string): string => {
    const suffix = `,${store.baseDn}`;
    if (dn.toLowerCase() === store.baseDn.toLowerCase()) return '';
    if (!dn.toLowerCase().endsWith(suffix.toLowerCase())) throw new DirgateError('ERR_INTERNAL', `${dn} is outside the profile`);
    return dn.slice(0, dn.length - suffix.length);
  };
  return {
    ...direct,
    modify: (dn, changes) => store.modify(relative(dn), changes),
    async delete(dn) {
      if (!(await store.delete(relative(dn)))) throw new DirgateError('ERR_NO_SUCH_OBJECT', `${dn} does not exist`);
    },
  };
}
