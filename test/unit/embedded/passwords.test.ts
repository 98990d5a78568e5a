import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { DirgateError } from '../../../src/errors.js';
import { hashPassword, isHashedPassword, prepareUserPassword, verifyAny, verifyPassword } from '../../../src/directory/embedded/passwords.js';

// Made by OpenLDAP's slappasswd (with -o module-load=pw-sha2 for SHA-2), password "secret".
const SLAPPASSWD = {
  SSHA: '{SSHA}Lad02JCkrFDeV/ghvfbWnpYY78DG74sZ',
  SSHA256: '{SSHA256}yZRuM8TfybFGq4+pEE9aIywfxBbJpWqk3o0LB19Xwwf5ZIhJy8JcSQ==',
  SSHA512: '{SSHA512}lKdatwxOA9eFhIJiLl9sZMi1bL+vfkYVVuw2TVlEh84mAaNTRF2cZnoWDbOePkfyQ1uoWnE7Gp5ekRD50yxAu80mMGZTljVi',
};

describe('embedded directory passwords', () => {
  for (const [scheme, hash] of Object.entries(SLAPPASSWD)) {
    it(`accepts the right password for an OpenLDAP ${scheme} hash and refuses a wrong one`, () => {
      assert.equal(verifyPassword('secret', hash), true);
      assert.equal(verifyPassword('Secret', hash), false);
      assert.equal(verifyPassword('', hash), false);
    });
  }

  it('reads the scheme name case-insensitively, as OpenLDAP does', () => {
    assert.equal(verifyPassword('secret', SLAPPASSWD.SSHA.replace('{SSHA}', '{ssha}')), true);
  });

  it('hashes to {SSHA512} with a 16-byte random salt by default', () => {
    const a = hashPassword('alice-pass');
    const b = hashPassword('alice-pass');
    assert.match(a, /^\{SSHA512\}/);
    assert.equal(Buffer.from(a.slice('{SSHA512}'.length), 'base64').length, 64 + 16);
    assert.notEqual(a, b, 'two hashes of one password differ by their salt');
    assert.equal(verifyPassword('alice-pass', a), true);
    assert.equal(verifyPassword('alice-pass', b), true);
  });

  it('makes hashes in the other schemes that verify', () => {
    assert.equal(verifyPassword('pw', hashPassword('pw', 'SSHA256')), true);
    assert.equal(verifyPassword('pw', hashPassword('pw', 'SSHA')), true);
  });

  it('never matches clear text, unknown schemes or damaged hashes', () => {
    assert.equal(verifyPassword('secret', 'secret'), false);
    assert.equal(verifyPassword('secret', '{CRYPT}aaXYZ'), false);
    assert.equal(verifyPassword('secret', '{SSHA512}AAAA'), false);
    assert.equal(verifyPassword('secret', '{SSHA}not base64!'), false);
  });

  it('checks a password against several stored values', () => {
    assert.equal(verifyAny('secret', [hashPassword('other'), SLAPPASSWD.SSHA]), true);
    assert.equal(verifyAny('secret', [hashPassword('other')]), false);
    assert.equal(verifyAny('secret', []), false);
  });

  it('hashes a clear-text userPassword before it is stored and keeps an imported hash as it is', () => {
    const stored = prepareUserPassword('new-pass');
    assert.match(stored, /^\{SSHA512\}/);
    assert.equal(verifyPassword('new-pass', stored), true);
    assert.equal(prepareUserPassword(SLAPPASSWD.SSHA256), SLAPPASSWD.SSHA256);
    assert.equal(prepareUserPassword(Buffer.from(SLAPPASSWD.SSHA)), SLAPPASSWD.SSHA);
    assert.equal(isHashedPassword(stored), true);
    assert.equal(isHashedPassword('new-pass'), false);
  });

  it('treats a value in a scheme it cannot check as clear text, so it is hashed rather than stored', () => {
    const stored = prepareUserPassword('{CRYPT}abc');
    assert.match(stored, /^\{SSHA512\}/);
    assert.equal(verifyPassword('{CRYPT}abc', stored), true);
  });

  it('refuses a damaged hash in a known scheme with invalidAttributeSyntax', () => {
    assert.throws(() => prepareUserPassword('{SSHA512}AAAA'), (err: unknown) => err instanceof DirgateError && err.code === 'ERR_INVALID_ATTRIBUTE_SYNTAX');
  });

  it('gets from scripts/hash-password.mjs a hash that verifies, with the password read from standard input', () => {
    const script = path.resolve('scripts/hash-password.mjs');
    const out = spawnSync(process.execPath, [script], { input: 'p@ss wörd\n', encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    const hash = out.stdout.trim();
    assert.match(hash, /^\{SSHA512\}[A-Za-z0-9+/]+=*$/);
    assert.equal(verifyPassword('p@ss wörd', hash), true);
    const sha = spawnSync(process.execPath, [script, '--scheme', 'SSHA'], { input: 'x', encoding: 'utf8' });
    assert.equal(verifyPassword('x', sha.stdout.trim()), true);
    assert.match(sha.stdout, /^\{SSHA\}/);
    const refused = spawnSync(process.execPath, [script, 'secret-on-the-command-line'], { input: '', encoding: 'utf8' });
    assert.equal(refused.status, 2);
    assert.equal(refused.stdout, '');
  });
});
