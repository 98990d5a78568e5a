/**
 * userPassword storage as OpenLDAP does it: `{SSHA512}`, `{SSHA256}` or `{SSHA}`
 * followed by base64(digest(password || salt) || salt). Clear text written by a
 * client is hashed before it is stored (OpenLDAP's hash_cleartext), and checks
 * compare digests in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DirgateError } from '../../errors.js';
import type { Value } from '../model.js';

const SCHEMES = {
  SSHA512: { algorithm: 'sha512', length: 64 },
  SSHA256: { algorithm: 'sha256', length: 32 },
  SSHA: { algorithm: 'sha1', length: 20 },
} as const;
export type PasswordScheme = keyof typeof SCHEMES;

const DEFAULT_SALT_BYTES = 16;

function asBytes(value: Value): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');
}

function digest(scheme: PasswordScheme, password: Buffer, salt: Buffer): Buffer {
  return createHash(SCHEMES[scheme].algorithm).update(password).update(salt).digest();
}

/** Hashes a clear-text password with a fresh random salt. */
export function hashPassword(password: Value, scheme: PasswordScheme = 'SSHA512', salt: Buffer = randomBytes(DEFAULT_SALT_BYTES)): string {
  const pw = asBytes(password);
  return `{${scheme}}${Buffer.concat([digest(scheme, pw, salt), salt]).toString('base64')}`;
}

interface ParsedHash { scheme: PasswordScheme; digest: Buffer; salt: Buffer }

/** The scheme named by a `{SCHEME}` prefix, when it is one we know. */
function knownScheme(text: string): PasswordScheme | undefined {
  const m = /^\{([A-Za-z0-9-]+)\}/.exec(text);
  const name = m?.[1]?.toUpperCase();
  return name && name in SCHEMES ? (name as PasswordScheme) : undefined;
}

function parseHash(value: Value): ParsedHash | undefined {
  const text = asBytes(value).toString('latin1');
  const scheme = knownScheme(text);
  if (!scheme) return undefined;
  const body = text.slice(text.indexOf('}') + 1);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) return undefined;
  const raw = Buffer.from(body, 'base64');
  const { length } = SCHEMES[scheme];
  if (raw.length <= length) return undefined;
  return { scheme, digest: raw.subarray(0, length), salt: raw.subarray(length) };
}

/** True when the value is stored in a scheme this directory can check. */
export function isHashedPassword(value: Value): boolean {
  return parseHash(value) !== undefined;
}

/** Checks a clear-text password against one stored value; unknown schemes never match. */
export function verifyPassword(password: Value, stored: Value): boolean {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const candidate = digest(parsed.scheme, asBytes(password), parsed.salt);
  return timingSafeEqual(candidate, parsed.digest);
}

/** Checks against every stored value, without stopping at the first match. */
export function verifyAny(password: Value, stored: Value[]): boolean {
  let ok = false;
  for (const value of stored) ok = verifyPassword(password, value) || ok;
  return ok;
}

/**
 * What a written userPassword value is stored as: a value in a known scheme is
 * kept (an import of existing hashes) once it is well-formed; anything else is
 * clear text and is hashed.
 */
export function prepareUserPassword(value: Value): string {
  const text = asBytes(value).toString('latin1');
  if (knownScheme(text)) {
    if (!parseHash(value)) {
      throw new DirgateError('ERR_INVALID_ATTRIBUTE_SYNTAX', 'userPassword: malformed hashed value', { reason: 'password-hash-malformed' });
    }
    return text;
  }
  return hashPassword(value);
}
