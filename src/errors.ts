/**
 * The one registry of dirgate's error codes and their mapping to every wire.
 *
 * Code anywhere throws a DirgateError with a stable code where the problem is
 * detected; the DSML, SPML, HTTP and firewall layers turn it into their own form
 * by looking the code up here, and nowhere else. `expose: false` codes never
 * send their message to a client (it may name internal hosts or LDAP text);
 * the client sees the generic `publicMessage` instead. docs/errors.md documents
 * each code; a unit test checks that the two agree.
 */

/** DSMLv2 errorResponse types (dsmlv2.xsd, ErrorResponse/@type). */
export type DsmlErrorType =
  | 'notAttempted'
  | 'couldNotConnect'
  | 'connectionClosed'
  | 'malformedRequest'
  | 'gatewayInternalError'
  | 'authenticationFailed'
  | 'unresolvableURI'
  | 'other';

/** SPMLv2 ErrorCode values (pstc_spmlv2_core.xsd). */
export type SpmlErrorCode =
  | 'malformedRequest'
  | 'unsupportedOperation'
  | 'unsupportedIdentifierType'
  | 'noSuchIdentifier'
  | 'customError'
  | 'unsupportedExecutionMode'
  | 'invalidContainment'
  | 'noSuchRequest'
  | 'unsupportedSelectionType'
  | 'resultSetTooLarge'
  | 'unsupportedProfile'
  | 'invalidIdentifier'
  | 'alreadyExists'
  | 'containerNotEmpty';

/** LDAP result codes (RFC 4511 section 4.1.9) by the names DSML uses for them. */
export const LDAP_RESULT = {
  success: 0,
  operationsError: 1,
  protocolError: 2,
  timeLimitExceeded: 3,
  sizeLimitExceeded: 4,
  compareFalse: 5,
  compareTrue: 6,
  authMethodNotSupported: 7,
  strongerAuthRequired: 8,
  referral: 10,
  adminLimitExceeded: 11,
  unavailableCriticalExtension: 12,
  confidentialityRequired: 13,
  saslBindInProgress: 14,
  noSuchAttribute: 16,
  undefinedAttributeType: 17,
  inappropriateMatching: 18,
  constraintViolation: 19,
  attributeOrValueExists: 20,
  invalidAttributeSyntax: 21,
  noSuchObject: 32,
  aliasProblem: 33,
  invalidDNSyntax: 34,
  aliasDereferencingProblem: 36,
  inappropriateAuthentication: 48,
  invalidCredentials: 49,
  insufficientAccessRights: 50,
  busy: 51,
  unavailable: 52,
  unwillingToPerform: 53,
  loopDetect: 54,
  namingViolation: 64,
  objectClassViolation: 65,
  notAllowedOnNonLeaf: 66,
  notAllowedOnRDN: 67,
  entryAlreadyExists: 68,
  objectClassModsProhibited: 69,
  affectsMultipleDSAs: 71,
  other: 80,
} as const;
export type LdapResultName = keyof typeof LDAP_RESULT;

const LDAP_NAME_BY_CODE = new Map<number, LdapResultName>(
  (Object.entries(LDAP_RESULT) as [LdapResultName, number][]).map(([n, c]) => [c, n]),
);
/** The DSML `resultCode/@descr` for a numeric LDAP result code. */
export function ldapResultName(code: number): LdapResultName {
  return LDAP_NAME_BY_CODE.get(code) ?? 'other';
}

export interface ErrorSpec {
  /** LDAP result code when the error ends an LDAP operation (LDAPResult). */
  ldap: number;
  /** Set when the error cannot be an LDAP result and becomes a DSML errorResponse. */
  dsml?: DsmlErrorType;
  spml: SpmlErrorCode;
  http: number;
  /** Whether the error's own message may be shown to the client. */
  expose: boolean;
  /** What the client sees when the message is not exposed. */
  publicMessage: string;
}

export const ERRORS = {
  ERR_MALFORMED_REQUEST: { ldap: LDAP_RESULT.protocolError, dsml: 'malformedRequest', spml: 'malformedRequest', http: 400, expose: true, publicMessage: 'malformed request' },
  ERR_MALFORMED_XML: { ldap: LDAP_RESULT.protocolError, dsml: 'malformedRequest', spml: 'malformedRequest', http: 400, expose: true, publicMessage: 'the request is not well-formed XML' },
  ERR_XML_FORBIDDEN_CONSTRUCT: { ldap: LDAP_RESULT.protocolError, dsml: 'malformedRequest', spml: 'malformedRequest', http: 400, expose: true, publicMessage: 'the request uses an XML construct that is refused' },
  ERR_LIMIT_EXCEEDED: { ldap: LDAP_RESULT.adminLimitExceeded, spml: 'customError', http: 413, expose: true, publicMessage: 'a configured limit was exceeded' },
  ERR_UNRESOLVABLE_URI: { ldap: LDAP_RESULT.unwillingToPerform, dsml: 'unresolvableURI', spml: 'malformedRequest', http: 400, expose: true, publicMessage: 'URI values are not accepted' },
  ERR_AUTHENTICATION_FAILED: { ldap: LDAP_RESULT.invalidCredentials, dsml: 'authenticationFailed', spml: 'customError', http: 401, expose: false, publicMessage: 'authentication failed' },
  ERR_CREDENTIALS_REQUIRED: { ldap: LDAP_RESULT.inappropriateAuthentication, dsml: 'authenticationFailed', spml: 'customError', http: 401, expose: false, publicMessage: 'credentials are required' },
  ERR_MFA_REQUIRED: { ldap: LDAP_RESULT.strongerAuthRequired, spml: 'customError', http: 403, expose: true, publicMessage: 'multi-factor authentication is outstanding' },
  ERR_ACCOUNT_LOCKED: { ldap: LDAP_RESULT.invalidCredentials, dsml: 'authenticationFailed', spml: 'customError', http: 401, expose: false, publicMessage: 'authentication failed' },
  ERR_INSUFFICIENT_ACCESS: { ldap: LDAP_RESULT.insufficientAccessRights, spml: 'customError', http: 403, expose: true, publicMessage: 'insufficient access rights' },
  ERR_UNKNOWN_APPLICATION: { ldap: LDAP_RESULT.insufficientAccessRights, dsml: 'authenticationFailed', spml: 'customError', http: 403, expose: false, publicMessage: 'unknown application' },
  ERR_NO_SUCH_OBJECT: { ldap: LDAP_RESULT.noSuchObject, spml: 'noSuchIdentifier', http: 404, expose: true, publicMessage: 'no such object' },
  ERR_ALREADY_EXISTS: { ldap: LDAP_RESULT.entryAlreadyExists, spml: 'alreadyExists', http: 409, expose: true, publicMessage: 'the entry already exists' },
  ERR_NOT_ALLOWED_ON_NON_LEAF: { ldap: LDAP_RESULT.notAllowedOnNonLeaf, spml: 'containerNotEmpty', http: 409, expose: true, publicMessage: 'the entry has children' },
  ERR_INVALID_DN: { ldap: LDAP_RESULT.invalidDNSyntax, spml: 'invalidIdentifier', http: 400, expose: true, publicMessage: 'invalid DN syntax' },
  ERR_NO_SUCH_ATTRIBUTE: { ldap: LDAP_RESULT.noSuchAttribute, spml: 'customError', http: 400, expose: true, publicMessage: 'no such attribute' },
  ERR_ATTRIBUTE_OR_VALUE_EXISTS: { ldap: LDAP_RESULT.attributeOrValueExists, spml: 'customError', http: 409, expose: true, publicMessage: 'attribute or value exists' },
  ERR_UNDEFINED_ATTRIBUTE_TYPE: { ldap: LDAP_RESULT.undefinedAttributeType, spml: 'customError', http: 400, expose: true, publicMessage: 'undefined attribute type' },
  ERR_INVALID_ATTRIBUTE_SYNTAX: { ldap: LDAP_RESULT.invalidAttributeSyntax, spml: 'customError', http: 400, expose: true, publicMessage: 'invalid attribute syntax' },
  ERR_CONSTRAINT_VIOLATION: { ldap: LDAP_RESULT.constraintViolation, spml: 'customError', http: 400, expose: true, publicMessage: 'constraint violation' },
  ERR_OBJECT_CLASS_VIOLATION: { ldap: LDAP_RESULT.objectClassViolation, spml: 'customError', http: 400, expose: true, publicMessage: 'object class violation' },
  ERR_NAMING_VIOLATION: { ldap: LDAP_RESULT.namingViolation, spml: 'customError', http: 400, expose: true, publicMessage: 'naming violation' },
  ERR_NOT_ALLOWED_ON_RDN: { ldap: LDAP_RESULT.notAllowedOnRDN, spml: 'customError', http: 400, expose: true, publicMessage: 'not allowed on RDN' },
  ERR_UNWILLING_TO_PERFORM: { ldap: LDAP_RESULT.unwillingToPerform, spml: 'unsupportedOperation', http: 400, expose: true, publicMessage: 'unwilling to perform' },
  ERR_UNSUPPORTED_OPERATION: { ldap: LDAP_RESULT.unwillingToPerform, spml: 'unsupportedOperation', http: 400, expose: true, publicMessage: 'unsupported operation' },
  ERR_UNAVAILABLE_CRITICAL_EXTENSION: { ldap: LDAP_RESULT.unavailableCriticalExtension, spml: 'customError', http: 400, expose: true, publicMessage: 'unavailable critical extension' },
  ERR_SIZE_LIMIT_EXCEEDED: { ldap: LDAP_RESULT.sizeLimitExceeded, spml: 'resultSetTooLarge', http: 200, expose: true, publicMessage: 'size limit exceeded' },
  ERR_TIME_LIMIT_EXCEEDED: { ldap: LDAP_RESULT.timeLimitExceeded, spml: 'customError', http: 504, expose: true, publicMessage: 'time limit exceeded' },
  ERR_ADMIN_LIMIT_EXCEEDED: { ldap: LDAP_RESULT.adminLimitExceeded, spml: 'customError', http: 400, expose: true, publicMessage: 'administrative limit exceeded' },
  ERR_COULD_NOT_CONNECT: { ldap: LDAP_RESULT.unavailable, dsml: 'couldNotConnect', spml: 'customError', http: 503, expose: false, publicMessage: 'the directory could not be reached' },
  ERR_PARTIAL_RESULTS: { ldap: LDAP_RESULT.unavailable, spml: 'customError', http: 200, expose: false, publicMessage: 'some sources did not answer; the results are partial' },
  ERR_BUSY: { ldap: LDAP_RESULT.busy, spml: 'customError', http: 503, expose: false, publicMessage: 'the directory is busy' },
  ERR_RATE_LIMITED: { ldap: LDAP_RESULT.busy, spml: 'customError', http: 429, expose: true, publicMessage: 'too many requests' },
  ERR_DECRYPTION_FAILED: { ldap: LDAP_RESULT.invalidCredentials, dsml: 'authenticationFailed', spml: 'customError', http: 400, expose: false, publicMessage: 'the payload could not be decrypted' },
  ERR_WRITE_INCOMPLETE: { ldap: LDAP_RESULT.other, spml: 'customError', http: 500, expose: true, publicMessage: 'the write was not completed' },
  ERR_UNSUPPORTED_EXECUTION_MODE: { ldap: LDAP_RESULT.unwillingToPerform, spml: 'unsupportedExecutionMode', http: 400, expose: true, publicMessage: 'unsupported execution mode' },
  ERR_UNSUPPORTED_PROFILE: { ldap: LDAP_RESULT.unwillingToPerform, spml: 'unsupportedProfile', http: 400, expose: true, publicMessage: 'unsupported profile' },
  ERR_NO_SUCH_ITERATOR: { ldap: LDAP_RESULT.other, spml: 'invalidIdentifier', http: 404, expose: true, publicMessage: 'no such iterator' },
  ERR_NO_SUCH_REQUEST: { ldap: LDAP_RESULT.other, spml: 'noSuchRequest', http: 404, expose: true, publicMessage: 'no such request' },
  ERR_CONFIG_INVALID: { ldap: LDAP_RESULT.other, dsml: 'gatewayInternalError', spml: 'customError', http: 500, expose: false, publicMessage: 'internal error' },
  ERR_INTERNAL: { ldap: LDAP_RESULT.other, dsml: 'gatewayInternalError', spml: 'customError', http: 500, expose: false, publicMessage: 'internal error' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export interface DirgateErrorOptions {
  cause?: unknown;
  /** Stable kebab-case reason id for logs and audit (`user-unknown`, `token-expired`). */
  reason?: string;
  /** LDAP matchedDN, where known. */
  matchedDN?: string;
  /** Overrides the registry's LDAP code where the backend said something more precise. */
  ldapCode?: number;
}

export class DirgateError extends Error {
  readonly code: ErrorCode;
  readonly reason: string;
  readonly matchedDN: string | undefined;
  readonly ldapCode: number;

  constructor(code: ErrorCode, message: string, options: DirgateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DirgateError';
    this.code = code;
    this.reason = options.reason ?? code.slice(4).toLowerCase().replace(/_/g, '-');
    this.matchedDN = options.matchedDN;
    this.ldapCode = options.ldapCode ?? ERRORS[code].ldap;
  }

  get spec(): ErrorSpec {
    return ERRORS[this.code];
  }

  /** The message a client may see. */
  get publicMessage(): string {
    return this.spec.expose ? this.message : this.spec.publicMessage;
  }
}

/** Any thrown value as a DirgateError; unknown errors become ERR_INTERNAL (never exposed). */
export function toDirgateError(err: unknown): DirgateError {
  if (err instanceof DirgateError) return err;
  return new DirgateError('ERR_INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
}

/** Maps an LDAP result code (from a backend or the embedded server) to the registry. */
export function errorCodeForLdapResult(resultCode: number): ErrorCode {
  switch (resultCode) {
    case LDAP_RESULT.noSuchObject: return 'ERR_NO_SUCH_OBJECT';
    case LDAP_RESULT.entryAlreadyExists: return 'ERR_ALREADY_EXISTS';
    case LDAP_RESULT.notAllowedOnNonLeaf: return 'ERR_NOT_ALLOWED_ON_NON_LEAF';
    case LDAP_RESULT.invalidDNSyntax: return 'ERR_INVALID_DN';
    case LDAP_RESULT.invalidCredentials:
    case LDAP_RESULT.inappropriateAuthentication: return 'ERR_AUTHENTICATION_FAILED';
    case LDAP_RESULT.insufficientAccessRights: return 'ERR_INSUFFICIENT_ACCESS';
    case LDAP_RESULT.noSuchAttribute: return 'ERR_NO_SUCH_ATTRIBUTE';
    case LDAP_RESULT.attributeOrValueExists: return 'ERR_ATTRIBUTE_OR_VALUE_EXISTS';
    case LDAP_RESULT.undefinedAttributeType: return 'ERR_UNDEFINED_ATTRIBUTE_TYPE';
    case LDAP_RESULT.invalidAttributeSyntax: return 'ERR_INVALID_ATTRIBUTE_SYNTAX';
    case LDAP_RESULT.constraintViolation: return 'ERR_CONSTRAINT_VIOLATION';
    case LDAP_RESULT.objectClassViolation:
    case LDAP_RESULT.objectClassModsProhibited: return 'ERR_OBJECT_CLASS_VIOLATION';
    case LDAP_RESULT.namingViolation: return 'ERR_NAMING_VIOLATION';
    case LDAP_RESULT.notAllowedOnRDN: return 'ERR_NOT_ALLOWED_ON_RDN';
    case LDAP_RESULT.unwillingToPerform: return 'ERR_UNWILLING_TO_PERFORM';
    case LDAP_RESULT.unavailableCriticalExtension: return 'ERR_UNAVAILABLE_CRITICAL_EXTENSION';
    case LDAP_RESULT.sizeLimitExceeded: return 'ERR_SIZE_LIMIT_EXCEEDED';
    case LDAP_RESULT.timeLimitExceeded: return 'ERR_TIME_LIMIT_EXCEEDED';
    case LDAP_RESULT.adminLimitExceeded: return 'ERR_ADMIN_LIMIT_EXCEEDED';
    case LDAP_RESULT.busy: return 'ERR_BUSY';
    case LDAP_RESULT.unavailable: return 'ERR_COULD_NOT_CONNECT';
    case LDAP_RESULT.protocolError: return 'ERR_MALFORMED_REQUEST';
    default: return 'ERR_INTERNAL';
  }
}
