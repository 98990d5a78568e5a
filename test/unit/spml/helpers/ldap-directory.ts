/**
 * A Directory straight over one real LDAP server, for testing the SPML layer
 * without the virtual directory: every operation goes to the project's own LDAP
 * connector (createLdapSource) as it is, bound as a fixed account, so the
 * server's answers reach SPML as the gateway would see them. Nothing is
 * simulated.
 */
import type { Directory, Entry, SearchEvent } from '../../../../src/directory/model.js';
import type { LdapSource } from '../../../../src/directory/sources/types.js';
import { DirgateError } from '../../../../src/errors.js';
import { openTestSource } from '../../../helpers/ldap-source.js';

export interface LdapDirectoryOptions {
  url: string;
  bindDN: string;
  password: string;
}

export interface ClosableDirectory extends Directory {
  close(): Promise<void>;
}

function open(options: LdapDirectoryOptions): LdapSource {
  return openTestSource({ url: options.url, bindDn: options.bindDN, password: options.password, baseDn: '' });
}

export function ldapDirectory(options: LdapDirectoryOptions): ClosableDirectory {
  const source = open(options);
  return {
    search: (req, ctx) => source.search(req, { signal: ctx.signal }),
    add: (req, ctx) => source.add(req, { signal: ctx.signal }),
    modify: (req, ctx) => source.modify(req, { signal: ctx.signal }),
    delete: (req, ctx) => source.delete(req, { signal: ctx.signal }),
    modifyDN: (req, ctx) => source.modifyDN(req, { signal: ctx.signal }),
    compare: (req, ctx) => source.compare(req, { signal: ctx.signal }),
    extended: (req, ctx) => source.extended(req, { signal: ctx.signal }),
    async bind(dn, password, ctx) {
      await source.verifyPassword(dn, password, { signal: ctx.signal });
      return dn;
    },
    close: () => source.close(),
  };
}

/** Reads an entry straight from the server (for checking state after writes); undefined when there is none. */
export async function readRaw(options: LdapDirectoryOptions, dn: string, attributes: string[] = ['*', '+']): Promise<Entry | undefined> {
  const source = open(options);
  try {
    const events: SearchEvent[] = [];
    for await (const e of source.search({
      baseDN: dn, scope: 'base', derefAliases: 'never', sizeLimit: 0, timeLimit: 0, typesOnly: false,
      filter: { type: 'present', attribute: 'objectClass' }, attributes, controls: [],
    })) events.push(e);
    return events.flatMap((e) => (e.kind === 'entry' ? [e.entry] : []))[0];
  } catch (err) {
    if (err instanceof DirgateError && err.code === 'ERR_NO_SUCH_OBJECT') return undefined;
    throw err;
  } finally {
    await source.close();
  }
}
