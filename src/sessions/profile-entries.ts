/**
 * The little the session store needs of the extended profile: read, add,
 * modify, delete and search entries under one base DN, with LDAP's own
 * semantics (a modify that deletes a value that is not there fails with
 * ERR_NO_SUCH_ATTRIBUTE, which is what makes compare-and-swap updates work on
 * every replica). `ldapProfileEntries` implements it over an LdapSource (real
 * slapd or the embedded directory; the tests run the store's scenarios on
 * both), `profileStoreEntries` over the virtual directory's ProfileStore.
 */
import { DirgateError, LDAP_RESULT } from '../errors.js';
import type { Attribute, Entry, Filter, Modification } from '../directory/model.js';
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
