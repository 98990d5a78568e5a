/**
 * The password resetPasswordRequest hands out: uniformly random over an
 * alphabet without look-alike characters, with at least one character of each
 * class so that common quality policies (lower, upper, digit, symbol) accept it.
 */
import { randomInt } from 'node:crypto';

const CLASSES = ['abcdefghijkmnopqrstuvwxyz', 'ABCDEFGHJKLMNPQRSTUVWXYZ', '23456789', '-_.!@#%+='] as const;
const ALL = CLASSES.join('');

export function generatePassword(length: number): string {
  if (length < CLASSES.length) throw new RangeError('password length too short');
  const chars = CLASSES.map((c) => c[randomInt(c.length)]!);
  while (chars.length < length) chars.push(ALL[randomInt(ALL.length)]!);
  // Fisher-Yates, so the guaranteed characters are not always first.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
