/**
 * Simple Paged Results (RFC 2696) in the view itself. A source's cookie
 * cannot survive the join (a page of joined entries is not a page of any one
 * source), so the view pages its own joined stream: each request runs the
 * search again, skips what earlier pages returned and stops after `size`.
 *
 * The cookie is stateless: the offset reached, and an HMAC under a key of this
 * directory (random, or derived from `gateway.pagingSecret` and then shared by
 * every replica) over that offset and a fingerprint of the search (base, scope,
 * filter, attributes, typesOnly, size limit). A cookie is therefore only good
 * for the same search on a directory holding the same key; anything else is
 * refused with unwillingToPerform. Entries added or removed between pages may
 * shift the offset (as with any offset-based paging); nothing is held between
 * requests, so an abandoned paged search costs nothing.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DirgateError } from '../../errors.js';
import { decodePaged, encodePaged } from '../paged-results.js';
import type { Control } from '../model.js';

export const PAGED_RESULTS_OID = '1.2.840.113556.1.4.319';

const VERSION = 1;
const MAC_BYTES = 16;
/** version (1) + offset (4) + mac */
const COOKIE_BYTES = 1 + 4 + MAC_BYTES;
const MAX_OFFSET = 0xffff_ffff;

/** A new random key for the cookies of one directory. */
export function newPagingKey(): Buffer {
  return randomBytes(32);
}

/**
 * The cookie key every directory configured with `secret` shares (the
 * gateway's `pagingSecret`), so a page asked of one replica continues a search
 * another began. Derived rather than used as is, so the key serves no other purpose.
 */
export function pagingKeyFromSecret(secret: string): Buffer {
  return createHmac('sha256', secret).update('dirgate paged-results cookie key v1').digest();
}

export interface PageRequest {
  /** Entries for this page; 0 ends the paged search (RFC 2696 section 3) and returns none. */
  size: number;
  /** Entries earlier pages returned, to skip. */
  offset: number;
  fingerprint: string;
}

function mac(key: Buffer, fingerprint: string, offset: number): Buffer {
  return createHmac('sha256', key).update(`${VERSION}:${offset}:`).update(fingerprint).digest().subarray(0, MAC_BYTES);
}

/**
 * The paged-results request of a search, or undefined when the search carries no such control. `fingerprint`
 * names the search: everything a client must send unchanged from page to page (RFC 2696 section 3).
 */
export function pageRequest(key: Buffer, controls: readonly Control[], fingerprint: string): PageRequest | undefined {
  const control = controls.find((c) => c.type === PAGED_RESULTS_OID);
  if (!control) return undefined;
  const value = decodePaged(control.value);
  if (!value || value.size < 0) {
    throw new DirgateError('ERR_MALFORMED_REQUEST', 'the paged-results control value is not SEQUENCE { size INTEGER (0..maxInt), cookie OCTET STRING }', { reason: 'paged-control-malformed' });
  }
  if (value.cookie.length === 0) return { size: value.size, offset: 0, fingerprint };
  const cookie = value.cookie;
  const refuse = () => new DirgateError('ERR_UNWILLING_TO_PERFORM', 'the paged-results cookie does not belong to this search', { reason: 'paged-cookie-invalid' });
  if (cookie.length !== COOKIE_BYTES || cookie[0] !== VERSION) throw refuse();
  const offset = cookie.readUInt32BE(1);
  if (!timingSafeEqual(cookie.subarray(5), mac(key, fingerprint, offset))) throw refuse();
  return { size: value.size, offset, fingerprint };
}

/**
 * The response control closing a page: a cookie to continue from `nextOffset`,
 * or an empty one when the result set is exhausted (`nextOffset` undefined).
 */
export function pageResponse(key: Buffer, page: PageRequest, nextOffset: number | undefined): Control {
  let cookie = Buffer.alloc(0);
  if (nextOffset !== undefined) {
    if (nextOffset > MAX_OFFSET) throw new DirgateError('ERR_ADMIN_LIMIT_EXCEEDED', 'the paged search went past the largest offset a cookie holds', { reason: 'paged-offset-too-large' });
    cookie = Buffer.alloc(COOKIE_BYTES);
    cookie[0] = VERSION;
    cookie.writeUInt32BE(nextOffset, 1);
    mac(key, page.fingerprint, nextOffset).copy(cookie, 5);
  }
  // The size of a response is the server's estimate of the total; 0 says it has none.
  return { type: PAGED_RESULTS_OID, criticality: false, value: encodePaged({ size: 0, cookie }) };
}
