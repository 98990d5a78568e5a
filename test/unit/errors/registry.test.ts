import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DirgateError, ERRORS, errorCodeForLdapResult, LDAP_RESULT, ldapResultName, toDirgateError } from '../../../src/errors.js';

describe('error registry', () => {
  it('documents every code in docs/errors.md, and nothing else', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `(ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]);
    assert.deepEqual(documented.sort(), Object.keys(ERRORS).sort());
  });

  it('never exposes the message of an internal or connection error', () => {
    const err = new DirgateError('ERR_COULD_NOT_CONNECT', 'connect ECONNREFUSED ldap-1.corp.internal:389');
    assert.equal(err.publicMessage, 'the directory could not be reached');
    assert.equal(toDirgateError(new Error('secret detail')).publicMessage, 'internal error');
  });

  it('keeps a wrong password apart from an unreachable source', () => {
    assert.equal(errorCodeForLdapResult(LDAP_RESULT.invalidCredentials), 'ERR_AUTHENTICATION_FAILED');
    assert.equal(errorCodeForLdapResult(LDAP_RESULT.unavailable), 'ERR_COULD_NOT_CONNECT');
    assert.equal(ERRORS.ERR_AUTHENTICATION_FAILED.dsml, 'authenticationFailed');
  });

  it('derives a kebab-case reason from the code unless one is given', () => {
    assert.equal(new DirgateError('ERR_NO_SUCH_OBJECT', 'x').reason, 'no-such-object');
    assert.equal(new DirgateError('ERR_AUTHENTICATION_FAILED', 'x', { reason: 'token-expired' }).reason, 'token-expired');
  });

  it('names LDAP result codes as DSML does', () => {
    assert.equal(ldapResultName(32), 'noSuchObject');
    assert.equal(ldapResultName(9999), 'other');
  });
});
