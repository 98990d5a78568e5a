/**
 * MFA recovery codes: ten random codes shown once at enrolment; only salted
 * SHA-256 hashes are kept. The codes carry 60 random bits each, so a fast hash
 * with a per-code salt is enough (a slow hash protects low-entropy secrets, not
 * these). Checking compares against every stored hash in constant time, with
 * no early exit, and reports which one matched so the caller can remove it
 * (each code works once).
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'; // no 0/o, 1/l/i
const GROUPS = 3;
const GROUP_LENGTH = 4;
const PREFIX = 'sha256$';

export const RECOVERY_CODE_COUNT = 10;

function randomCode(): string {
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    let s = '';
    for (let i = 0; i < GROUP_LENGTH; i++) s += ALPHABET[randomInt(ALPHABET.length)];
    groups.push(s);
  }
  return groups.join('-');
}

/** Lower case, without separators or spaces, so `ABCD EFGH-JKMN` and `abcd-efgh-jkmn` match. */
export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

function digest(salt: Buffer, normalized: string): Buffer {
  return createHash('sha256').update(salt).update(normalized, 'utf8').digest();
}

export function hashRecoveryCode(code: string): string {
  const salt = randomBytes(16);
  return `${PREFIX}${salt.toString('base64url')}$${digest(salt, normalizeRecoveryCode(code)).toString('base64url')}`;
}

/** Fresh codes (to show once) and their hashes (to store). */
export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: count }, randomCode);
  return { codes, hashes: codes.map(hashRecoveryCode) };
}

/** The stored hash the code matches, or undefined. Every hash is checked, whatever matched first. */
export function matchRecoveryCode(code: string, hashes: readonly string[]): string | undefined {
  const normalized = normalizeRecoveryCode(typeof code === 'string' ? code : '');
  let found: string | undefined;
  for (const stored of hashes) {
    const [, saltText, hashText] = stored.startsWith(PREFIX) ? stored.split('$') : [];
    if (!saltText || !hashText) continue;
    const expected = Buffer.from(hashText, 'base64url');
    const actual = digest(Buffer.from(saltText, 'base64url'), normalized);
    if (expected.length === actual.length && timingSafeEqual(expected, actual) && found === undefined) found = stored;
  }
  return found;
}
