/**
 * Reading from a source in the shared model: one place that builds source
 * search requests, turns a non-success `done` into a typed error, and tells
 * "the source is down" apart from every other failure (by error code, never by
 * message text).
 */
import { DirgateError, errorCodeForLdapResult, LDAP_RESULT, toDirgateError } from '../../errors.js';
import type { Entry, Filter, Scope, SearchRequest } from '../model.js';
import type { LdapSource, SourceOperationOptions } from '../sources/types.js';
import { MATCH_ALL } from './filter-text.js';

export interface SourceQuery {
  baseDN: string;
  scope: Scope;
  filter?: Filter | undefined;
  attributes: string[];
  sizeLimit?: number;
  timeLimitSeconds?: number;
}

export function sourceRequest(q: SourceQuery): SearchRequest {
  return {
    baseDN: q.baseDN,
    scope: q.scope,
    derefAliases: 'never',
    sizeLimit: q.sizeLimit ?? 0,
    timeLimit: q.timeLimitSeconds ?? 0,
    typesOnly: false,
    filter: q.filter ?? MATCH_ALL,
    attributes: q.attributes,
    controls: [],
  };
}

/** Streams the entries of a source search; a non-success result is thrown as a DirgateError. */
export async function* streamEntries(source: LdapSource, q: SourceQuery, options: SourceOperationOptions = {}): AsyncGenerator<Entry> {
  for await (const ev of source.search(sourceRequest(q), options)) {
    if (ev.kind === 'entry') yield ev.entry;
    else if (ev.kind === 'done' && ev.result.resultCode !== LDAP_RESULT.success) {
      const code = ev.result.resultCode;
      throw new DirgateError(errorCodeForLdapResult(code), ev.result.diagnosticMessage || `source ${source.name} answered result code ${code}`, { ldapCode: code });
    }
  }
}

/** Collects a (small) source search; a missing base counts as no entries. */
export async function collectEntries(source: LdapSource, q: SourceQuery, options: SourceOperationOptions = {}): Promise<Entry[]> {
  const out: Entry[] = [];
  try {
    for await (const e of streamEntries(source, q, options)) out.push(e);
  } catch (err) {
    if (err instanceof DirgateError && err.code === 'ERR_NO_SUCH_OBJECT') return out;
    throw err;
  }
  return out;
}

/** True when the error means the source could not answer at all (down, busy), as opposed to refusing the request. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);
export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof DirgateError) && NETWORK_CODES.has(String((err as { code?: unknown } | null)?.code))) return true;
  const e = toDirgateError(err);
  return e.code === 'ERR_COULD_NOT_CONNECT' || e.code === 'ERR_BUSY' || e.code === 'ERR_PARTIAL_RESULTS';
}
