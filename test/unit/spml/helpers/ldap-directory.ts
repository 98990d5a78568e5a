/**
 * A thin Directory over one real LDAP server (ldapts), for testing the SPML
 * layer before the virtual directory can be wired in: operations go to the
 * server as they are, bound as a fixed account, and the server's result codes
 * become DirgateErrors through the registry. No behaviour is simulated.
 */
import {
  AndFilter, ApproximateFilter, Attribute as LdapAttribute, Change, Client, EqualityFilter, ExtensibleFilter,
  GreaterThanEqualsFilter, LessThanEqualsFilter, NotFilter, OrFilter, PresenceFilter, SubstringFilter, type Filter as LdapFilter,
} from 'ldapts';
import type { Directory, Entry, Filter, OperationResult, SearchEvent, Value } from '../../../../src/directory/model.js';
import type { LdapSource, SourceHealth } from '../../../../src/directory/sources/types.js';
import { DirgateError, errorCodeForLdapResult } from '../../../../src/errors.js';

function text(v: Value): string {
  return typeof v === 'string' ? v : v.toString('utf8');
}

export function toLdapFilter(f: Filter): LdapFilter {
  switch (f.type) {
    case 'and': return new AndFilter({ filters: f.filters.map(toLdapFilter) });
    case 'or': return new OrFilter({ filters: f.filters.map(toLdapFilter) });
    case 'not': return new NotFilter({ filter: toLdapFilter(f.filter) });
    case 'equality': return new EqualityFilter({ attribute: f.attribute, value: f.value });
    case 'greaterOrEqual': return new GreaterThanEqualsFilter({ attribute: f.attribute, value: text(f.value) });
    case 'lessOrEqual': return new LessThanEqualsFilter({ attribute: f.attribute, value: text(f.value) });
    case 'approx': return new ApproximateFilter({ attribute: f.attribute, value: text(f.value) });
    case 'present': return new PresenceFilter({ attribute: f.attribute });
    case 'substrings': return new SubstringFilter({
      attribute: f.attribute, initial: f.initial === undefined ? '' : text(f.initial), any: f.any.map(text), final: f.final === undefined ? '' : text(f.final),
    });
    case 'extensible': return new ExtensibleFilter({ matchType: f.attribute, rule: f.matchingRule, value: text(f.value), dnAttributes: f.dnAttributes });
  }
}

function mapError(err: unknown): DirgateError {
  if (err instanceof DirgateError) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'number') {
    return new DirgateError(errorCodeForLdapResult(code), (err as Error).message, { cause: err, ldapCode: code });
  }
  return new DirgateError('ERR_COULD_NOT_CONNECT', (err as Error).message, { cause: err });
}

const BINARY = ['jpegPhoto', 'userCertificate'];

function toEntry(raw: Record<string, unknown> & { dn: string }): Entry {
  const attributes = Object.entries(raw)
    .filter(([k]) => k !== 'dn')
    .map(([type, v]) => ({ type, values: (Array.isArray(v) ? v : [v]) as Value[] }));
  return { dn: raw.dn, attributes };
}

export interface LdapDirectoryOptions {
  url: string;
  bindDN: string;
  password: string;
}

export interface ClosableDirectory extends Directory {
  close(): Promise<void>;
}

export function ldapDirectory(options: LdapDirectoryOptions): ClosableDirectory {
  const client = new Client({ url: options.url, timeout: 10_000, connectTimeout: 5_000 });
  let bound: Promise<void> | undefined;
  const ready = () => (bound ??= client.bind(options.bindDN, options.password).catch((err) => { bound = undefined; throw mapError(err); }));
  const ok: OperationResult = { resultCode: 0 };
  const run = async <T>(fn: () => Promise<T>): Promise<T> => {
    await ready();
    try {
      return await fn();
    } catch (err) {
      throw mapError(err);
    }
  };

  return {
    async *search(req): AsyncIterable<SearchEvent> {
      const result = await run(() => client.search(req.baseDN, {
        scope: req.scope, filter: toLdapFilter(req.filter), attributes: req.attributes,
        sizeLimit: req.sizeLimit, timeLimit: req.timeLimit, returnAttributeValues: !req.typesOnly, explicitBufferAttributes: BINARY,
      }));
      for (const e of result.searchEntries) yield { kind: 'entry', entry: toEntry(e as Record<string, unknown> & { dn: string }) };
      // ldapts hides resultCode 4 when a sizeLimit was sent; a full page is the sign of it.
      const truncated = req.sizeLimit > 0 && result.searchEntries.length >= req.sizeLimit;
      yield { kind: 'done', result: truncated ? { resultCode: 4 } : ok };
    },
    async add(req) {
      const attrs: Record<string, Array<string | Buffer>> = {};
      for (const a of req.attributes) attrs[a.type] = a.values;
      await run(() => client.add(req.dn, attrs as Record<string, string[]>));
      return ok;
    },
    async modify(req) {
      await run(() => client.modify(req.dn, req.changes.map((c) => new Change({
        operation: c.operation, modification: new LdapAttribute({ type: c.attribute.type, values: c.attribute.values as string[] }),
      }))));
      return ok;
    },
    async delete(req) {
      await run(() => client.del(req.dn));
      return ok;
    },
    async modifyDN(req) {
      await run(() => client.modifyDN(req.dn, req.newSuperior ? `${req.newRDN},${req.newSuperior}` : req.newRDN));
      return ok;
    },
    async compare(req) {
      const same = await run(() => client.compare(req.dn, req.attribute, text(req.value)));
      return { resultCode: same ? 6 : 5 };
    },
    async extended() {
      throw new DirgateError('ERR_UNSUPPORTED_OPERATION', 'not used by SPML');
    },
    async bind(dn, password) {
      const c = new Client({ url: options.url, timeout: 10_000, connectTimeout: 5_000 });
      try {
        await c.bind(dn, password);
        return dn;
      } catch (err) {
        throw mapError(err);
      } finally {
        await c.unbind().catch(() => undefined);
      }
    },
    async close() {
      await client.unbind().catch(() => undefined);
    },
  };
}

/** Reads an entry straight from the server (for checking state after writes). */
export async function readRaw(options: LdapDirectoryOptions, dn: string, attributes: string[] = ['*', '+']): Promise<Entry | undefined> {
  const c = new Client({ url: options.url });
  try {
    await c.bind(options.bindDN, options.password);
    const r = await c.search(dn, { scope: 'base', attributes });
    const e = r.searchEntries[0];
    return e ? toEntry(e as Record<string, unknown> & { dn: string }) : undefined;
  } catch (err) {
    if ((err as { code?: unknown }).code === 32) return undefined;
    throw err;
  } finally {
    await c.unbind().catch(() => undefined);
  }
}

/**
 * The same, as an LdapSource for the virtual directory (until the real LDAP
 * connector lands): bound as a service account, binds for verifyPassword.
 */
export function ldapSource(name: string, baseDn: string, options: LdapDirectoryOptions): LdapSource & { close(): Promise<void> } {
  const d = ldapDirectory(options);
  const ctx = { requestId: 'source', principal: { service: true } };
  const health = (): SourceHealth => ({ name, up: true, urls: [{ url: options.url, up: true }] });
  return {
    name, baseDn, readOnly: false,
    search: (req) => d.search(req, ctx),
    add: (req) => d.add(req, ctx),
    modify: (req) => d.modify(req, ctx),
    delete: (req) => d.delete(req, ctx),
    modifyDN: (req) => d.modifyDN(req, ctx),
    compare: (req) => d.compare(req, ctx),
    extended: (req) => d.extended(req, ctx),
    async verifyPassword(dn, password) {
      await d.bind(dn, password, ctx);
    },
    probe: async () => health(),
    health,
    close: () => d.close(),
  };
}
