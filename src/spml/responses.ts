/**
 * Building responses: the empty answer to each kind of request, and a failure
 * from any thrown error, mapped through the error registry (src/errors.ts) so
 * that the SPML error code and the message a client may see come from one place.
 */
import { toDirgateError, type DirgateError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ElementName, RequestKind, SpmlResponse } from './model.js';

type Status = SpmlResponse['status'];

export function emptyResponse(kind: RequestKind, status: Status, requestID: string | undefined, element?: ElementName): SpmlResponse {
  const base = { status, requestID, errorMessages: [] as string[] };
  switch (kind) {
    case 'listTargets': return { ...base, kind, targets: [] };
    case 'search': case 'iterate': return { ...base, kind, psos: [] };
    case 'batch': return { ...base, kind, responses: [] };
    case 'status': return { ...base, kind, results: [] };
    case 'cancel': return { ...base, kind, asyncRequestID: '' };
    case 'unsupported': return { ...base, kind, element: element ?? { ns: '', local: 'unknownResponse' } };
    default: return { ...base, kind };
  }
}

export function failureResponse(
  kind: RequestKind, requestID: string | undefined, err: unknown, logger?: Logger, element?: ElementName,
): SpmlResponse {
  const e: DirgateError = toDirgateError(err);
  if (e.code === 'ERR_INTERNAL' || !e.spec.expose) {
    logger?.warn('spml request failed', { code: e.code, reason: e.reason, detail: e.message });
  }
  const r = emptyResponse(kind, 'failure', requestID, element);
  r.error = e.spec.spml;
  r.errorMessages = [e.publicMessage];
  return r;
}
