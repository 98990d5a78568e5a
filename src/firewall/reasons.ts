/**
 * The firewall's decision reasons: the one list. Every audit line carries one of
 * these stable kebab-case ids, tests match on them, and docs/firewall.md lists
 * them (a unit test checks that the two agree). Each reason also says how the
 * refusal leaves: its HTTP status, the error-registry code that gives its DSML
 * and SPML mapping, and whether it is a transport-level refusal (always a SOAP
 * Fault or plain text) or a refusal of a well-formed request (answered inside the
 * protocol: a DSML batchResponse with an errorResponse, an SPML failure).
 */
import type { ErrorCode } from '../errors.js';

export interface ReasonSpec {
  /** One line: what the rule refused (or allowed). */
  doc: string;
  /** HTTP status of a refusal answered as a fault or plain text. */
  http: number;
  /** Registry code: gives the DSML errorResponse type and the SPML error. */
  code: ErrorCode;
  /** `fault`: transport-level; `protocol`: answered inside the protocol when the body was read. */
  form: 'fault' | 'protocol';
  /** What the client is told (never anything about the inside). */
  message: string;
}

export const REASONS = {
  'allowed': { doc: 'Every rule passed; the request was forwarded to the gateway.', http: 200, code: 'ERR_INTERNAL', form: 'fault', message: 'allowed' },
  'ip-denied': { doc: 'The client address is on a deny list, or not on an allow list (global or the application\'s).', http: 403, code: 'ERR_INSUFFICIENT_ACCESS', form: 'fault', message: 'the client address is not allowed' },
  'rate-limited': { doc: 'Too many requests from this client address, for this application, or for this principal.', http: 429, code: 'ERR_RATE_LIMITED', form: 'fault', message: 'too many requests' },
  'login-rate-limited': { doc: 'Too many login attempts for this user name or from this client address.', http: 429, code: 'ERR_RATE_LIMITED', form: 'fault', message: 'too many login attempts' },
  'method-not-allowed': { doc: 'The HTTP method is not the one the path accepts (POST for /dsml and /spml, GET for the others).', http: 405, code: 'ERR_MALFORMED_REQUEST', form: 'fault', message: 'method not allowed' },
  'path-not-allowed': { doc: 'The path is not one of /dsml, /spml, /sso, /healthz, /readyz (compared exactly, before any decoding).', http: 404, code: 'ERR_MALFORMED_REQUEST', form: 'fault', message: 'not found' },
  'too-many-headers': { doc: 'The request carries more header lines than the configured cap.', http: 431, code: 'ERR_LIMIT_EXCEEDED', form: 'fault', message: 'too many header fields' },
  'headers-too-large': { doc: 'The request head is larger than the configured cap (refused by the HTTP parser).', http: 431, code: 'ERR_LIMIT_EXCEEDED', form: 'fault', message: 'request header fields too large' },
  'content-type-refused': { doc: 'The content type is not text/xml, application/soap+xml or application/xml with a UTF-8 charset (missing is accepted for /dsml only).', http: 415, code: 'ERR_MALFORMED_REQUEST', form: 'fault', message: 'unsupported content type' },
  'body-not-allowed': { doc: 'A GET request carries a body.', http: 400, code: 'ERR_MALFORMED_REQUEST', form: 'fault', message: 'a body is not accepted here' },
  'body-too-large': { doc: 'The body is (or is declared) larger than the configured cap.', http: 413, code: 'ERR_LIMIT_EXCEEDED', form: 'fault', message: 'the request body is too large' },
  'slow-client': { doc: 'The head or the body did not arrive within its time limit.', http: 408, code: 'ERR_LIMIT_EXCEEDED', form: 'fault', message: 'the request took too long to arrive' },
  'client-cert-invalid': { doc: 'A client certificate was presented that the configured client CA does not verify.', http: 403, code: 'ERR_AUTHENTICATION_FAILED', form: 'fault', message: 'the client certificate is not accepted' },
  'xml-malformed': { doc: 'The body is not well-formed XML (or not UTF-8).', http: 400, code: 'ERR_MALFORMED_XML', form: 'fault', message: 'the request is not well-formed XML' },
  'xml-encoding-refused': { doc: 'The XML declaration names an encoding other than UTF-8.', http: 400, code: 'ERR_MALFORMED_XML', form: 'fault', message: 'only UTF-8 is accepted' },
  'xml-doctype-refused': { doc: 'The XML has a document type declaration.', http: 400, code: 'ERR_XML_FORBIDDEN_CONSTRUCT', form: 'fault', message: 'document type declarations are refused' },
  'xml-entity-refused': { doc: 'The XML declares entities or refers to one other than the five predefined ones.', http: 400, code: 'ERR_XML_FORBIDDEN_CONSTRUCT', form: 'fault', message: 'entity declarations and references are refused' },
  'xml-too-deep': { doc: 'Elements are nested deeper than the configured cap.', http: 400, code: 'ERR_LIMIT_EXCEEDED', form: 'fault', message: 'the XML is nested too deeply' },
  'xml-too-many-elements': { doc: 'The XML has more elements than the configured cap.', http: 400, code: 'ERR_LIMIT_EXCEEDED', form: 'fault', message: 'the XML has too many elements' },
  'xml-too-many-attributes': { doc: 'An element has more attributes than the configured cap.', http: 400, code: 'ERR_LIMIT_EXCEEDED', form: 'fault', message: 'an element has too many attributes' },
  'xml-name-too-long': { doc: 'An element or attribute name is longer than the configured cap.', http: 400, code: 'ERR_LIMIT_EXCEEDED', form: 'fault', message: 'an XML name is too long' },
  'soap-malformed': { doc: 'The body is not one DSML batchRequest (/dsml), one SPML request (/spml) or one xenc:EncryptedData, bare or as the only child of a SOAP Body.', http: 400, code: 'ERR_MALFORMED_XML', form: 'fault', message: 'the request is not a DSML or SPML request' },
  'app-unknown': { doc: 'X-Dirgate-App is missing or names no registered application.', http: 403, code: 'ERR_UNKNOWN_APPLICATION', form: 'protocol', message: 'unknown application' },
  'app-secret-invalid': { doc: 'The application has a secret and X-Dirgate-App-Secret is missing or does not verify against it.', http: 403, code: 'ERR_AUTHENTICATION_FAILED', form: 'protocol', message: 'application authentication failed' },
  'app-cert-mismatch': { doc: 'The application requires a client certificate and the verified subject is missing or another.', http: 403, code: 'ERR_AUTHENTICATION_FAILED', form: 'protocol', message: 'application authentication failed' },
  'endpoint-not-allowed': { doc: 'The application may not use this endpoint (access.endpoints).', http: 403, code: 'ERR_INSUFFICIENT_ACCESS', form: 'protocol', message: 'this endpoint is not allowed for the application' },
  'op-not-allowed': { doc: 'The batch holds an operation outside the application\'s access.operations.', http: 403, code: 'ERR_INSUFFICIENT_ACCESS', form: 'protocol', message: 'an operation is not allowed for the application' },
  'subtree-not-allowed': { doc: 'An operation names a DN outside the application\'s access.subtrees and outside o=gateway.', http: 403, code: 'ERR_INSUFFICIENT_ACCESS', form: 'protocol', message: 'an entry is outside the subtrees allowed for the application' },
  'encryption-required': { doc: 'The application requires encryption and the request is neither an xenc:EncryptedData nor asks for encrypted answers (X-Dirgate-Encrypt: ibe).', http: 403, code: 'ERR_INSUFFICIENT_ACCESS', form: 'protocol', message: 'the application requires encrypted requests' },
  'http-malformed': { doc: 'The request is not valid HTTP/1.1 (refused by the HTTP parser).', http: 400, code: 'ERR_MALFORMED_REQUEST', form: 'fault', message: 'bad request' },
  'upstream-error': { doc: 'Decision allow: the gateway answered with a server error, whose body was replaced by a generic one.', http: 502, code: 'ERR_INTERNAL', form: 'fault', message: 'internal error' },
  'internal-error': { doc: 'The firewall itself failed while checking the request; the client gets a generic answer and the log has the detail.', http: 500, code: 'ERR_INTERNAL', form: 'fault', message: 'internal error' },
  'upstream-unavailable': { doc: 'The gateway could not be reached or did not answer in time.', http: 503, code: 'ERR_COULD_NOT_CONNECT', form: 'fault', message: 'the service is unavailable' },
  'hop-unsigned': { doc: 'Gateway side: the request carries no hop signature (it did not come through the firewall).', http: 403, code: 'ERR_AUTHENTICATION_FAILED', form: 'fault', message: 'forbidden' },
  'hop-bad-signature': { doc: 'Gateway side: the hop signature does not verify (wrong key, or a signed header, the path or the body was changed).', http: 403, code: 'ERR_AUTHENTICATION_FAILED', form: 'fault', message: 'forbidden' },
  'hop-stale': { doc: 'Gateway side: the hop timestamp is outside the accepted window.', http: 403, code: 'ERR_AUTHENTICATION_FAILED', form: 'fault', message: 'forbidden' },
  'hop-replayed': { doc: 'Gateway side: a signed request was seen before (same nonce within the window).', http: 403, code: 'ERR_AUTHENTICATION_FAILED', form: 'fault', message: 'forbidden' },
} as const satisfies Record<string, ReasonSpec>;

export type Reason = keyof typeof REASONS;
export type RefusalReason = Exclude<Reason, 'allowed'>;

export function reasonSpec(reason: Reason): ReasonSpec {
  return REASONS[reason];
}
