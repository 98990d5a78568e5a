/**
 * Who may do what in the embedded directory. A suffix's administrator (the
 * configured DN, not an entry, like OpenLDAP's rootdn) may do everything in
 * that suffix; anyone else may read, never sees userPassword nor the
 * administrator-only subtrees, and may change only their own telephone numbers
 * and password.
 */
import { DirgateError } from '../../errors.js';
import type { Modification } from '../model.js';
import type { Dit } from './dit.js';
import { isWithin } from './dn.js';
import { describeAttribute } from './values.js';

export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'admin'; dn: string; suffixKey: string }
  | { kind: 'user'; dn: string; key: string; suffixKey: string };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

export interface SuffixPolicy {
  dit: Dit;
  /** Normalised keys of subtrees that only the administrator can see. */
  adminOnly: string[];
}

export function isAdminOf(principal: Principal, dit: Dit): boolean {
  return principal.kind === 'admin' && principal.suffixKey === dit.suffixKey;
}

/** Whether the caller may see the entry `key` at all. */
export function canSee(principal: Principal, policy: SuffixPolicy, key: string): boolean {
  if (isAdminOf(principal, policy.dit)) return true;
  return !policy.adminOnly.some((subtree) => isWithin(key, subtree));
}

function denied(why: string): DirgateError {
  return new DirgateError('ERR_INSUFFICIENT_ACCESS', why, { reason: 'embedded-access-denied' });
}

export function requireAdmin(principal: Principal, dit: Dit, operation: string): void {
  if (!isAdminOf(principal, dit)) throw denied(`${operation} in ${dit.suffixDn} needs its administrator`);
}

/** The attributes a user may change on their own entry, and how. */
const SELF_WRITABLE: Record<string, ReadonlyArray<Modification['operation']>> = {
  telephonenumber: ['add', 'delete', 'replace'],
  mobile: ['add', 'delete', 'replace'],
  userpassword: ['replace'],
};

export function requireModifyRight(principal: Principal, dit: Dit, targetKey: string, changes: Modification[]): void {
  if (isAdminOf(principal, dit)) return;
  if (principal.kind !== 'user' || principal.key !== targetKey) throw denied(`modify in ${dit.suffixDn} needs its administrator`);
  for (const change of changes) {
    const { key, type } = describeAttribute(change.attribute.type);
    if (!SELF_WRITABLE[key]?.includes(change.operation)) throw denied(`a user may not ${change.operation} their own ${type}`);
  }
}
