/**
 * The one place where ldapts failures become DirgateErrors (src/errors.ts).
 *
 * Decisions are made on types and numbers, never on message text: LDAP results
 * by the numeric `code` of ldapts's ResultCodeError classes, socket and TLS
 * failures by Node's `code` strings, and the failures ldapts reports only as
 * plain Errors (timeouts, a closed connection) by our own marker classes (we run
 * the timers ourselves) or by the phase the failure happened in. Messages of
 * the errors made here never carry the server's diagnostic text or a host name;
 * the original error stays reachable as `cause` for logs.
 */
import { InvalidAsn1Error, MessageParserError, ResultCodeError } from 'ldapts';
import { DirgateError, ERRORS, errorCodeForLdapResult, LDAP_RESULT, type ErrorCode } from '../../errors.js';

/** Where in the life of a request the failure happened. */
export type SourcePhase =
  /** TCP connect, TLS handshake, StartTLS. */
  | 'connect'
  /** The source's own service-account bind on a new connection. */
  | 'service-bind'
  /** A bind with a user's credentials (verifyPassword, bindAs). */
  | 'user-bind'
  /** The operation itself. */
  | 'operation';

/** Stable reason ids for source failures (logs, audit, fail-over). */
export const SOURCE_REASON = {
  unreachable: 'source-unreachable',
  connectTimeout: 'source-connect-timeout',
  tlsRejected: 'source-tls-rejected',
  startTlsRefused: 'source-starttls-refused',
  protocolError: 'source-protocol-error',
  /** The connection broke after the request was sent: its outcome is unknown. */
  connectionLost: 'source-connection-lost',
  /** The connection was found closed before the request was written. */
  connectionClosed: 'source-connection-closed',
  timeout: 'source-timeout',
  busy: 'source-busy',
  unavailable: 'source-unavailable',
  serviceBindRejected: 'source-service-bind-rejected',
  poolExhausted: 'source-pool-exhausted',
  closed: 'source-closed',
  readOnly: 'source-read-only',
} as const;

/** Thrown by our own timers: ldapts's timeouts are plain Errors told apart only by their text. */
export class SourceTimeoutError extends Error {
  constructor(readonly phase: SourcePhase, readonly ms: number) {
    super(`no answer within ${ms} ms (${phase})`);
    this.name = 'SourceTimeoutError';
  }
}

/** Thrown when a connection is found closed before a request is written to it. */
export class ConnectionClosedError extends Error {
  constructor() {
    super('the connection was closed before the request was sent');
    this.name = 'ConnectionClosedError';
  }
}

// Node's codes for a peer that cannot be reached or went away.
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH',
  'ENETDOWN', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL', 'ERR_SOCKET_CLOSED',
]);
// OpenSSL verification codes and Node's TLS codes: the server's identity was not proven.
const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE', 'CERT_REVOKED', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'INVALID_CA',
  'HOSTNAME_MISMATCH', 'EPROTO',
]);

function nodeCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function couldNotConnect(source: string, reason: string, cause: unknown, ldapCode?: number): DirgateError {
  return new DirgateError('ERR_COULD_NOT_CONNECT', `source ${source}: ${reason}`, { reason, cause, ldapCode });
}

function fromResult(code: number, source: string, phase: SourcePhase, cause: unknown, matchedDN?: string): DirgateError {
  if (phase === 'connect') return couldNotConnect(source, SOURCE_REASON.startTlsRefused, cause);
  if (code === LDAP_RESULT.invalidCredentials || code === LDAP_RESULT.inappropriateAuthentication) {
    if (phase === 'user-bind') {
      return new DirgateError('ERR_AUTHENTICATION_FAILED', ERRORS.ERR_AUTHENTICATION_FAILED.publicMessage, {
        reason: code === LDAP_RESULT.invalidCredentials ? 'invalid-credentials' : 'inappropriate-authentication', cause,
      });
    }
  }
  if (phase === 'service-bind' && code !== LDAP_RESULT.busy && code !== LDAP_RESULT.unavailable) {
    // The gateway's own account was refused: a configuration problem, not the user's.
    return new DirgateError('ERR_INTERNAL', `source ${source}: the service bind was refused (result ${code})`, {
      reason: SOURCE_REASON.serviceBindRejected, cause,
    });
  }
  if (code === LDAP_RESULT.busy) return new DirgateError('ERR_BUSY', `source ${source} is busy`, { reason: SOURCE_REASON.busy, cause, ldapCode: code });
  if (code === LDAP_RESULT.unavailable) return couldNotConnect(source, SOURCE_REASON.unavailable, cause, code);
  const errorCode: ErrorCode = errorCodeForLdapResult(code);
  return new DirgateError(errorCode, ERRORS[errorCode].publicMessage, {
    cause, ldapCode: code, matchedDN: matchedDN || undefined,
    reason: errorCode === 'ERR_INTERNAL' ? `ldap-result-${code}` : undefined,
  });
}

export interface MapContext {
  source: string;
  phase: SourcePhase;
  /** The matchedDN of the LDAP result, where there was one. */
  matchedDN?: string;
}

export function mapSourceError(err: unknown, ctx: MapContext): DirgateError {
  const { source, phase } = ctx;
  if (err instanceof DirgateError) return err;
  if (err instanceof ResultCodeError) return fromResult(err.code, source, phase, err, ctx.matchedDN);
  if (err instanceof SourceTimeoutError) {
    if (err.phase === 'connect') return couldNotConnect(source, SOURCE_REASON.connectTimeout, err);
    return new DirgateError('ERR_TIME_LIMIT_EXCEEDED', `source ${source} did not answer in time`, { reason: SOURCE_REASON.timeout, cause: err });
  }
  if (err instanceof ConnectionClosedError) return couldNotConnect(source, SOURCE_REASON.connectionClosed, err);
  if (err instanceof MessageParserError || err instanceof InvalidAsn1Error) return couldNotConnect(source, SOURCE_REASON.protocolError, err);
  const code = nodeCode(err);
  if (code !== undefined) {
    if (TLS_CODES.has(code) || /^ERR_(TLS|SSL)_/.test(code)) return couldNotConnect(source, SOURCE_REASON.tlsRejected, err);
    if (NETWORK_CODES.has(code)) {
      return couldNotConnect(source, phase === 'connect' ? SOURCE_REASON.unreachable : SOURCE_REASON.connectionLost, err);
    }
  }
  // Programming errors are ours, not the source's.
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError) {
    return new DirgateError('ERR_INTERNAL', `source ${source}: ${err.message}`, { cause: err });
  }
  // What is left are ldapts's plain Errors for a socket that failed or closed
  // under a connect or a pending request.
  if (err instanceof Error) {
    return couldNotConnect(source, phase === 'connect' ? SOURCE_REASON.unreachable : SOURCE_REASON.connectionLost, err);
  }
  return new DirgateError('ERR_INTERNAL', `source ${source}: ${String(err)}`, { cause: err });
}

/** What a failed attempt means for the replica it ran on and for the request. */
export interface FailureVerdict {
  /** Put the URL into back-off. */
  replicaDown: boolean;
  /** The request was certainly not carried out: any operation may be tried elsewhere. */
  notPerformed: boolean;
  /** The request may have been carried out: only reads may be tried again. */
  retryReads: boolean;
}

export function failureVerdict(err: DirgateError): FailureVerdict {
  switch (err.reason) {
    case SOURCE_REASON.unreachable:
    case SOURCE_REASON.connectTimeout:
    case SOURCE_REASON.tlsRejected:
    case SOURCE_REASON.startTlsRefused:
    case SOURCE_REASON.busy:
    case SOURCE_REASON.unavailable:
      return { replicaDown: true, notPerformed: true, retryReads: true };
    case SOURCE_REASON.connectionClosed:
      return { replicaDown: false, notPerformed: true, retryReads: true };
    case SOURCE_REASON.timeout:
    case SOURCE_REASON.protocolError:
      return { replicaDown: true, notPerformed: false, retryReads: true };
    case SOURCE_REASON.connectionLost:
      return { replicaDown: false, notPerformed: false, retryReads: true };
    default:
      return { replicaDown: false, notPerformed: false, retryReads: false };
  }
}
