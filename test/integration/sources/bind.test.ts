import assert from 'node:assert/strict';
import type { Slapd } from '../../helpers/slapd.js';
import type { LdapSource } from '../../../src/directory/sources/types.js';
import { ALICE, PEOPLE, collect, dnsOf, openSource, rejection, searchRequest, startCorpSource } from './source-fixture.js';

describe('LDAP source password checks against a real slapd', () => {
  let slapd: Slapd;
  let source: LdapSource;
  let close: () => Promise<void>;

  before(async () => {
    ({ slapd, source, close } = await startCorpSource());
  });
  after(() => close?.());

  it('accepts the right password', async () => {
    await source.verifyPassword(ALICE, 'alice-pass');
  });

  it('answers a wrong password with ERR_AUTHENTICATION_FAILED, never couldNotConnect', async () => {
    const err = await rejection(source.verifyPassword(ALICE, 'bob-pass'));
    assert.equal(err.code, 'ERR_AUTHENTICATION_FAILED');
    assert.equal(err.reason, 'invalid-credentials');
    assert.equal(err.spec.dsml, 'authenticationFailed');
    assert.equal(source.health().up, true, 'a refused password says nothing about the replica');
  });

  it('answers an unknown user like a wrong password', async () => {
    const err = await rejection(source.verifyPassword(`uid=nobody,${PEOPLE}`, 'x'));
    assert.equal(err.code, 'ERR_AUTHENTICATION_FAILED');
  });

  it('refuses an empty password without binding (it would be an unauthenticated bind)', async () => {
    const err = await rejection(source.verifyPassword(ALICE, ''));
    assert.equal(err.code, 'ERR_AUTHENTICATION_FAILED');
    assert.equal(err.reason, 'empty-credentials');
  });

  it('reports a wrong service password as an internal error, not as the user\'s authentication failure', async () => {
    const misconfigured = openSource({ urls: [slapd.url], bind: { dn: slapd.rootDn, password: 'not-the-root-password' } });
    try {
      const err = await rejection(collect(misconfigured.search(searchRequest())));
      assert.equal(err.code, 'ERR_INTERNAL');
      assert.equal(err.reason, 'source-service-bind-rejected');
    } finally {
      await misconfigured.close();
    }
  });

  it('searches anonymously when no service account is configured', async () => {
    const anonymous = openSource({ urls: [slapd.url] });
    try {
      assert.deepEqual(dnsOf(await collect(anonymous.search(searchRequest({ baseDN: ALICE, scope: 'base' })))), [ALICE]);
    } finally {
      await anonymous.close();
    }
  });
});
