/**
 * The LDAP operations the session store uses, over one ldapts client bound as
 * slapd's root: a stand-in for the LDAP connector (src/directory/sources/)
 * until it lands, so these tests run the store against real slapd now.
 */
import { AndFilter, Attribute, Change, Client, EqualityFilter, GreaterThanEqualsFilter, LessThanEqualsFilter, NotFilter, OrFilter, PresenceFilter, type Filter as LdaptsFilter } from 'ldapts';
import type { Filter, SearchEvent } from '../../../src/directory/model.js';
import type { LdapSource } from '../../../src/directory/sources/types.js';
import { DirgateError, errorCodeForLdapResult } from '../../../src/errors.js';

function toLdapts(f: Filter): LdaptsFilter {
  switch (f.type) {
    case 'and': return new AndFilter({ filters: f.filters.map(toLdapts) });
    case 'or': return new OrFilter({ filters: f.filters.map(toLdapts) });
    case 'not': return new NotFilter({ filter: toLdapts(f.filter) });
    case 'present': return new PresenceFilter({ attribute: f.attribute });
    case 'equality': return new EqualityFilter({ attribute: f.attribute, value: f.value });
    case 'lessOrEqual': return new LessThanEqualsFilter({ attribute: f.attribute, value: String(f.value) });
    case 'greaterOrEqual': return new GreaterThanEqualsFilter({ attribute: f.attribute, value: String(f.value) });
    default: throw new Error(`filter ${f.type} not needed here`);
  }
}

async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number') throw new DirgateError(errorCodeForLdapResult(code), (err as Error).message, { cause: err, ldapCode: code });
    throw err;
  }
}

export async function ldaptsSource(url: string, bindDn: string, password: string, baseDn: string): Promise<LdapSource & { close(): Promise<void> }> {
  const client = new Client({ url });
  await client.bind(bindDn, password);
  const unsupported = () => { throw new Error('not needed by the session store'); };
  return {
    name: 'profile', baseDn, readOnly: false,
    async *search(req): AsyncIterable<SearchEvent> {
      const { searchEntries } = await mapped(() => client.search(req.baseDN, { scope: req.scope, filter: toLdapts(req.filter), attributes: req.attributes.length ? req.attributes : ['*'] }));
      for (const e of searchEntries) {
        yield {
          kind: 'entry',
          entry: {
            dn: e.dn,
            attributes: Object.entries(e).filter(([k]) => k !== 'dn').map(([type, v]) => ({ type, values: (Array.isArray(v) ? v : [v]).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x))) })),
          },
        };
      }
      yield { kind: 'done', result: { resultCode: 0 } };
    },
    add: (req) => mapped(async () => {
      await client.add(req.dn, req.attributes.map((a) => new Attribute({ type: a.type, values: a.values.map(String) })));
      return { resultCode: 0 };
    }),
    modify: (req) => mapped(async () => {
      await client.modify(req.dn, req.changes.map((c) => new Change({ operation: c.operation, modification: new Attribute({ type: c.attribute.type, values: c.attribute.values.map(String) }) })));
      return { resultCode: 0 };
    }),
    delete: (req) => mapped(async () => { await client.del(req.dn); return { resultCode: 0 }; }),
    modifyDN: unsupported, compare: unsupported, extended: unsupported, verifyPassword: unsupported, probe: unsupported,
    health: () => ({ name: 'profile', up: true, urls: [] }),
    close: () => client.unbind(),
  };
}
