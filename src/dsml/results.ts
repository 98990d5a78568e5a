/**
 * How outcomes become DSML responses: a DirgateError becomes an errorResponse
 * when the registry gives it a DSML type, otherwise an LDAP result in the
 * operation's own response element, always with the public message only. Also
 * decides which responses count as errors for onError="exit".
 */
import { DirgateError, LDAP_RESULT, ldapResultName, toDirgateError } from '../errors.js';
import type { Logger } from '../log.js';
import type { DsmlResponse, LdapResultModel, OperationKind } from './types.js';

// dsmlv2.xsd spells three result names differently from RFC 4511; the schema's spelling is what validates.
const XSD_SPELLING: Partial<Record<string, string>> = {
  strongerAuthRequired: 'strongAuthRequired',
  aliasDereferencingProblem: 'aliasDerefencingProblem',
  affectsMultipleDSAs: 'affectMultipleDSAs',
};

/** The `descr` of a resultCode, or undefined for codes dsmlv2.xsd has no name for. */
export function resultDescr(code: number): string | undefined {
  const name = ldapResultName(code);
  if (LDAP_RESULT[name] !== code) return undefined;
  return XSD_SPELLING[name] ?? name;
}

/** Result codes that are not failures, as OpenDJ's gateway and .NET's DsmlSoapHttpConnection count them. */
const NOT_ERRORS = new Set<number>([LDAP_RESULT.success, LDAP_RESULT.compareFalse, LDAP_RESULT.compareTrue, LDAP_RESULT.referral]);

export function isErrorResult(code: number): boolean {
  return !NOT_ERRORS.has(code);
}

/** Whether a response stops a batch with onError="exit". */
export function isErrorResponse(r: DsmlResponse): boolean {
  switch (r.kind) {
    case 'error': return true;
    case 'search': return isErrorResult(r.done.resultCode);
    default: return isErrorResult(r.result.resultCode);
  }
}

export function errorResult(err: DirgateError): LdapResultModel {
  const result: LdapResultModel = { resultCode: err.ldapCode, errorMessage: err.publicMessage };
  if (err.matchedDN !== undefined) result.matchedDN = err.matchedDN;
  return result;
}

/** Logs what the client will not see: internal failures in full, client mistakes by reason only. */
export function logOutcome(logger: Logger | undefined, err: DirgateError, op: string): void {
  if (!logger) return;
  if (!err.spec.expose) logger.warn('dsml operation failed', { op, code: err.code, reason: err.reason, detail: err.message });
  else logger.debug('dsml operation refused', { op, code: err.code, reason: err.reason });
}

/** The response for an operation that ended with `thrown`. `kind` undefined: only an errorResponse can answer. */
export function responseForError(kind: OperationKind | undefined, requestID: string | undefined, thrown: unknown, logger?: Logger): DsmlResponse {
  const err = thrown instanceof DirgateError ? thrown : toDirgateError(thrown);
  logOutcome(logger, err, kind ?? 'unknown');
  const rid = requestID === undefined ? {} : { requestID };
  if (err.spec.dsml || kind === undefined) {
    return { kind: 'error', ...rid, type: err.spec.dsml ?? 'malformedRequest', message: err.publicMessage };
  }
  const result = errorResult(err);
  if (kind === 'search') return { kind: 'search', ...rid, entries: [], references: [], done: result };
  if (kind === 'extended') return { kind: 'extended', ...rid, result };
  return { kind, ...rid, result };
}
