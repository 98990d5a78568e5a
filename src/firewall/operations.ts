/**
 * Operation names, as the application registry's access.operations spells them,
 * for the request elements of a DSML batch and of SPML. An element that is not
 * listed maps to its own local name, which no allow-list can contain: unknown
 * operations are refused, never waved through.
 */

const DSML_OPERATIONS: Record<string, string> = {
  searchRequest: 'search',
  addRequest: 'add',
  modifyRequest: 'modify',
  delRequest: 'delete',
  modDNRequest: 'modDN',
  compareRequest: 'compare',
  extendedRequest: 'extended',
  // An abandon reaches only operations of its own batch, which were checked themselves.
  abandonRequest: 'abandon',
  // Proxied authorization is not offered to applications through the firewall.
  authRequest: 'auth',
};

const SPML_OPERATIONS: Record<string, string> = {
  // core, search, async, updates: reading
  listTargetsRequest: 'spml-read',
  lookupRequest: 'spml-read',
  searchRequest: 'spml-read',
  iterateRequest: 'spml-read',
  closeIteratorRequest: 'spml-read',
  statusRequest: 'spml-read',
  cancelRequest: 'spml-read',
  updatesRequest: 'spml-read',
  activeRequest: 'spml-read',
  // core and bulk: writing
  addRequest: 'spml-write',
  modifyRequest: 'spml-write',
  deleteRequest: 'spml-write',
  bulkModifyRequest: 'spml-write',
  bulkDeleteRequest: 'spml-write',
  // password capability
  setPasswordRequest: 'spml-password',
  expirePasswordRequest: 'spml-password',
  resetPasswordRequest: 'spml-password',
  validatePasswordRequest: 'spml-password',
  // suspend capability
  suspendRequest: 'spml-suspend',
  resumeRequest: 'spml-suspend',
};

/** Operations every application may send: they act on nothing but their own batch. */
export const ALWAYS_ALLOWED = new Set(['abandon']);

export function dsmlOperation(localName: string): string {
  return DSML_OPERATIONS[localName] ?? localName;
}

export function spmlOperation(localName: string): string {
  return SPML_OPERATIONS[localName] ?? localName;
}

/** The SPML response element that answers a request element (`addRequest` -> `addResponse`). */
export function spmlResponseName(requestLocalName: string): string {
  return requestLocalName.endsWith('Request') ? `${requestLocalName.slice(0, -'Request'.length)}Response` : 'batchResponse';
}
