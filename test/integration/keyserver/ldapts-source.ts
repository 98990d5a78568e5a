/**
 * The part of an LdapSource the revocation store uses (search, add, delete),
 * over one ldapts connection bound as the directory's administrator. The
 * project's own createLdapSource (src/directory/sources/) was not written when
 * these tests were; this stands in for it against real slapd, and throws for the
 * operations the store never calls.
 */
import { Client, LessThanEqualsFilter, PresenceFilter, type Filter as LdaptsFilter } from 'ldapts';
import type { Filter, OperationResult, SearchEvent, SearchRequest } from '../../../src/directory/model.js';
import type { LdapSource, SourceHealth } from '../../../src/directory/sources/types.js';
import { DirgateError, errorCodeForLdapResult } from '../../../src/errors.js';

function toLdapts(filter: Filter): LdaptsFilter {
  switch (filter.type) {
    case 'present': return new PresenceFilter({ attribute: filter.attribute });
    case 'lessOrEqual': return new LessThanEqualsFilter({ attribute: filter.attribute, value: String(filter.value) });
    default: throw new Error(`filter ${filter.type} is not needed here`);
  }
}

function mapped(err: unknown): DirgateError {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number'
    ? new DirgateError(errorCodeForLdapResult(code), (err as Error).message, { ldapCode: code, cause: err })
    : new DirgateError('ERR_COULD_NOT_CONNECT', (err as Error).message, { cause: err });
}

const OK: OperationResult = { resultCode: 0 };

export async function ldaptsSource(options: { url: string; bindDn: string; password: string; baseDn: string }): Promise<LdapSource> {
  const client = new Client({ url: options.url, timeout: 5000, connectTimeout: 5000 });
  await client.bind(options.bindDn, options.password);
  const unused = async (): Promise<never> => { throw new Error('not used by the revocation store'); };
  const health = (): SourceHealth => ({ name: 'test', up: true, urls: [{ url: options.url, up: true }] });
  return {
    name: 'test',
    baseDn: options.baseDn,
    readOnly: false,
    async *search(req: SearchRequest): AsyncIterable<SearchEvent> {
      let entries;
      try {
        ({ searchEntries: entries } = await client.search(req.baseDN, {
          scope: req.scope === 'one' ? 'one' : req.scope, filter: toLdapts(req.filter), attributes: req.attributes,
        }));
      } catch (err) {
        throw mapped(err);
      }
      for (const e of entries) yield { kind: 'entry', entry: { dn: e.dn, attributes: [] } };
      yield { kind: 'done', result: OK };
    },
    async add(req) {
      const attributes: Record<string, string[]> = {};
      for (const a of req.attributes) attributes[a.type] = a.values.map(String);
      try {
        await client.add(req.dn, attributes);
      } catch (err) {
        throw mapped(err);
      }
      return OK;
    },
    async delete(req) {
      try {
        await client.del(req.dn);
      } catch (err) {
        throw mapped(err);
      }
      return OK;
    },
    modify: unused,
    modifyDN: unused,
    compare: unused,
    extended: unused,
    verifyPassword: unused,
    probe: async () => health(),
    health,
    close: () => client.unbind(),
  };
}
