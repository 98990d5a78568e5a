import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { checkTotp, generateTotpSecret, otpauthUri, totpCodeAt } from '../../../src/sessions/totp.js';
import { generateRecoveryCodes, matchRecoveryCode } from '../../../src/sessions/recovery-codes.js';

const BOB_SECRET = 'JBSWY3DPEHPK3PXP';
// A fixed instant the test controls: 2030-06-01T12:00:10Z, 10 s into its 30-second step.
const NOW = Date.UTC(2030, 5, 1, 12, 0, 10);
const STEP = Math.floor(NOW / 30000);

function oathtool(secret: string, atMs: number): string {
  const at = new Date(atMs).toISOString().replace(/\.\d+Z$/, 'Z');
  return execFileSync('oathtool', ['--totp', '-b', secret, '--now', at], { encoding: 'utf8' }).trim();
}

describe('TOTP', () => {
  it('accepts the code Debian oathtool computes for the same instant', () => {
    const code = oathtool(BOB_SECRET, NOW);
    assert.match(code, /^\d{6}$/);
    assert.deepEqual(checkTotp(BOB_SECRET, code, NOW, undefined), { ok: true, step: STEP });
  });

  it('accepts one step of clock skew either way and no more', () => {
    assert.deepEqual(checkTotp(BOB_SECRET, oathtool(BOB_SECRET, NOW - 30000), NOW, undefined), { ok: true, step: STEP - 1 });
    assert.deepEqual(checkTotp(BOB_SECRET, oathtool(BOB_SECRET, NOW + 30000), NOW, undefined), { ok: true, step: STEP + 1 });
    assert.deepEqual(checkTotp(BOB_SECRET, oathtool(BOB_SECRET, NOW - 60000), NOW, undefined), { ok: false, reason: 'totp-invalid' });
    assert.deepEqual(checkTotp(BOB_SECRET, oathtool(BOB_SECRET, NOW + 60000), NOW, undefined), { ok: false, reason: 'totp-invalid' });
  });

  it('refuses a code already used, and any code of an earlier step', () => {
    const code = oathtool(BOB_SECRET, NOW);
    assert.deepEqual(checkTotp(BOB_SECRET, code, NOW + 5000, STEP), { ok: false, reason: 'totp-replayed' });
    assert.deepEqual(checkTotp(BOB_SECRET, oathtool(BOB_SECRET, NOW - 30000), NOW, STEP), { ok: false, reason: 'totp-replayed' });
    assert.deepEqual(checkTotp(BOB_SECRET, oathtool(BOB_SECRET, NOW + 30000), NOW, STEP), { ok: true, step: STEP + 1 });
  });

  it('refuses codes that are not six digits without computing anything', () => {
    for (const bad of ['', '12345', '1234567', 'abcdef', ' 123456']) {
      assert.deepEqual(checkTotp(BOB_SECRET, bad, NOW, undefined), { ok: false, reason: 'totp-invalid' });
    }
  });

  it('makes fresh 160-bit secrets whose codes oathtool agrees with, and an otpauth URI to enrol them', () => {
    const secret = generateTotpSecret();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.equal(totpCodeAt(secret, NOW), oathtool(secret, NOW));
    const uri = new URL(otpauthUri(secret, 'bob', 'dirgate mobile-secure'));
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.host, 'totp');
    assert.equal(uri.searchParams.get('secret'), secret);
    assert.equal(uri.searchParams.get('algorithm'), 'SHA1');
    assert.equal(uri.searchParams.get('digits'), '6');
    assert.equal(uri.searchParams.get('period'), '30');
    assert.equal(uri.searchParams.get('issuer'), 'dirgate mobile-secure');
  });
});

describe('recovery codes', () => {
  it('shows ten codes once and keeps only salted hashes of them', () => {
    const { codes, hashes } = generateRecoveryCodes();
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const [i, code] of codes.entries()) {
      assert.match(code, /^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
      assert.ok(!hashes[i]!.includes(code.replace(/-/g, '')));
      assert.match(hashes[i]!, /^sha256\$[\w-]{22}\$[\w-]{43}$/);
    }
  });

  it('matches a code however it is typed, and names the hash to remove', () => {
    const { codes, hashes } = generateRecoveryCodes();
    assert.equal(matchRecoveryCode(codes[3]!, hashes), hashes[3]);
    assert.equal(matchRecoveryCode(codes[3]!.toUpperCase().replace(/-/g, ' '), hashes), hashes[3]);
    assert.equal(matchRecoveryCode(codes[3]!, hashes.filter((h) => h !== hashes[3])), undefined);
    assert.equal(matchRecoveryCode('aaaa-bbbb-cccc', hashes), undefined);
  });

  it('gives the same code two different hashes (per-code salt)', () => {
    const a = generateRecoveryCodes(1);
    const again = matchRecoveryCode(a.codes[0]!, a.hashes);
    assert.equal(again, a.hashes[0]);
    assert.notEqual(generateRecoveryCodes(1).hashes[0], a.hashes[0]);
  });
});
