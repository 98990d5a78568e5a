/**
 * The extended profile: a writable LDAP location (config `profile`) where
 * dirgate keeps what belongs to no source: sessions, MFA enrolments, lock-out
 * counters, key revocations. Callers name entries relative to the profile base
 * (`sessionId=abc,ou=sessions`), build those names with `rdn()` from
 * src/directory/dn.ts (never by concatenation), and the store creates
 * missing containers on the way down.
 *
 * Every write calls `onWrite(dn)` so the view's cache can drop what it derived
 * from the entry (a branch may take attributes from the profile).
 */
import { DirgateError } from '../../errors.js';
import type { Attribute, Entry, Filter, Modification, Scope } from '../model.js';
import type { LdapSource } from '../sources/types.js';
import { type Dn, formatDn, isUnder, parseDn } from '../dn.js';
import { objectClassesForNaming } from '../view/synthetic.js';
import { collectEntries, streamEntries } from '../view/source-io.js';

export interface ProfileSearchOptions {
  scope?: Scope;
  filter?: Filter;
  attributes?: string[];
  sizeLimit?: number;
}

export interface ProfileStore {
  /** The profile base, in the profile source's namespace. */
  readonly baseDn: string;
  readonly source: LdapSource;
  /** The absolute DN of a relative name (`''` is the base itself). */
  dnOf(relative: string): string;
  /** The entry, or undefined when it does not exist. */
  get(relative: string, attributes?: string[]): Promise<Entry | undefined>;
  /**
   * Creates the entry, or replaces the given attributes of an existing one
   * (other attributes stay). `objectClass` is used only when creating; without
   * one, classes are chosen from the naming attribute plus extensibleObject.
   */
  put(relative: string, attributes: Attribute[]): Promise<'created' | 'updated'>;
  /** Applies modifications to an existing entry; throws ERR_NO_SUCH_OBJECT when it does not exist. */
  modify(relative: string, changes: Modification[]): Promise<void>;
  /** Deletes the entry (with `subtree`, its children first); false when it did not exist. */
  delete(relative: string, options?: { subtree?: boolean }): Promise<boolean>;
  /** Entries under a relative base (default one level), streamed. */
  search(relative: string, options?: ProfileSearchOptions): AsyncIterable<Entry>;
  /** Makes sure a container (and its parents up to the base) exists. */
  ensureContainer(relative: string): Promise<void>;
}

export interface ProfileStoreOptions {
  source: LdapSource;
  baseDn: string;
  onWrite?: (dn: string) => void;
}

function hasObjectClass(attributes: Attribute[]): boolean {
  return attributes.some((a) => a.type.toLowerCase() === 'objectclass' && a.values.length > 0);
}

/** Object classes for an entry dirgate creates when the caller gave none. */
export function defaultObjectClasses(dn: Dn): string[] {
  const naming = dn[0]?.[0]?.type ?? '';
  const structural = objectClassesForNaming(naming);
  if (structural.includes('extensibleObject')) return structural;
  return naming.toLowerCase() === 'ou' || naming.toLowerCase() === 'o' ? structural : [...structural, 'extensibleObject'];
}

function namingAttributes(dn: Dn): Attribute[] {
  return (dn[0] ?? []).map((a) => ({ type: a.type, values: [a.value] }));
}

export function createProfileStore(options: ProfileStoreOptions): ProfileStore {
  const { source } = options;
  const base = parseDn(options.baseDn);
  const baseDn = formatDn(base);
  const known = new Set<string>();
  const written = (dn: string) => options.onWrite?.(dn);

  const abs = (relative: string): Dn => {
    const rel = parseDn(relative);
    return [...rel, ...base];
  };

  const refuseReadOnly = () => {
    if (source.readOnly) {
      throw new DirgateError('ERR_UNWILLING_TO_PERFORM', `the profile source ${source.name} is read-only`, { reason: 'source-read-only' });
    }
  };

  async function exists(dn: string): Promise<boolean> {
    const found = await collectEntries(source, { baseDN: dn, scope: 'base', attributes: ['1.1'] });
    return found.length > 0;
  }

  async function ensure(dn: Dn): Promise<void> {
    if (!isUnder(dn, base)) throw new DirgateError('ERR_INTERNAL', 'profile container outside the profile base');
    const text = formatDn(dn);
    const key = text.toLowerCase();
    if (known.has(key)) return;
    if (await exists(text)) { known.add(key); return; }
    if (dn.length > base.length) await ensure(dn.slice(1));
    try {
      await source.add({ dn: text, attributes: [{ type: 'objectClass', values: defaultObjectClasses(dn) }, ...namingAttributes(dn)], controls: [] });
    } catch (err) {
      if (!(err instanceof DirgateError && err.code === 'ERR_ALREADY_EXISTS')) throw err;
    }
    known.add(key);
  }

  const store: ProfileStore = {
    baseDn,
    source,
    dnOf: (relative) => formatDn(abs(relative)),

    async get(relative, attributes = ['*']) {
      const [e] = await collectEntries(source, { baseDN: formatDn(abs(relative)), scope: 'base', attributes });
      return e;
    },

    async put(relative, attributes) {
      refuseReadOnly();
      const dn = abs(relative);
      const text = formatDn(dn);
      const withoutOc = attributes.filter((a) => a.type.toLowerCase() !== 'objectclass');
      const current = await collectEntries(source, { baseDN: text, scope: 'base', attributes: ['1.1'] });
      if (current.length === 0) {
        if (dn.length > base.length) await ensure(dn.slice(1));
        const naming = namingAttributes(dn).filter((n) => !withoutOc.some((a) => a.type.toLowerCase() === n.type.toLowerCase()));
        const all = [
          ...(hasObjectClass(attributes) ? attributes.filter((a) => a.type.toLowerCase() === 'objectclass') : [{ type: 'objectClass', values: defaultObjectClasses(dn) }]),
          ...naming,
          ...withoutOc.filter((a) => a.values.length > 0),
        ];
        try {
          await source.add({ dn: text, attributes: all, controls: [] });
          written(text);
          return 'created';
        } catch (err) {
          // Created meanwhile by someone else: fall through to an update.
          if (!(err instanceof DirgateError && err.code === 'ERR_ALREADY_EXISTS')) throw err;
        }
      }
      if (withoutOc.length > 0) {
        await source.modify({ dn: text, changes: withoutOc.map((a) => ({ operation: 'replace', attribute: a })), controls: [] });
      }
      written(text);
      return 'updated';
    },

    async modify(relative, changes) {
      refuseReadOnly();
      const text = formatDn(abs(relative));
      await source.modify({ dn: text, changes, controls: [] });
      written(text);
    },

    async delete(relative, opts = {}) {
      refuseReadOnly();
      const text = formatDn(abs(relative));
      if (opts.subtree) {
        const children = await collectEntries(source, { baseDN: text, scope: 'one', attributes: ['1.1'] });
        for (const c of children) {
          const rel = parseDn(c.dn).slice(0, parseDn(c.dn).length - base.length);
          await store.delete(formatDn(rel), { subtree: true });
        }
      }
      try {
        await source.delete({ dn: text, controls: [] });
      } catch (err) {
        if (err instanceof DirgateError && err.code === 'ERR_NO_SUCH_OBJECT') return false;
        throw err;
      }
      known.delete(text.toLowerCase());
      written(text);
      return true;
    },

    async *search(relative, opts = {}) {
      try {
        yield* streamEntries(source, {
          baseDN: formatDn(abs(relative)),
          scope: opts.scope ?? 'one',
          filter: opts.filter,
          attributes: opts.attributes ?? ['*'],
          sizeLimit: opts.sizeLimit ?? 0,
        });
      } catch (err) {
        if (err instanceof DirgateError && err.code === 'ERR_NO_SUCH_OBJECT') return;
        throw err;
      }
    },

    async ensureContainer(relative) {
      refuseReadOnly();
      await ensure(abs(relative));
    },
  };
  return store;
}
