import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startSlapd, type Slapd } from '../../helpers/slapd.js';
import { makeTestCa } from '../../helpers/test-ca.js';
import type { LdapSource } from '../../../src/directory/sources/types.js';
import { ALICE, CORP_LDIF, CORP_SUFFIX, collect, dnsOf, openSource, rejection, searchRequest, sourceConfig } from './source-fixture.js';

describe('LDAP source over TLS (ldaps and StartTLS) with a test CA', () => {
  let slapd: Slapd;
  let tmp: string;
  let wrongCaFile: string;
  const opened: LdapSource[] = [];

  const source = (overrides: Parameters<typeof sourceConfig>[0]): LdapSource => {
    const s = openSource({ bind: { dn: slapd.rootDn, password: slapd.rootPassword }, ...overrides });
    opened.push(s);
    return s;
  };
  const readAlice = (s: LdapSource) => collect(s.search(searchRequest({ baseDN: ALICE, scope: 'base' })));

  before(async () => {
    // The server refuses operations without TLS, so a passing StartTLS test proves TLS was on.
    slapd = await startSlapd({ suffix: CORP_SUFFIX, ldif: CORP_LDIF, tls: true, requireTls: true });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'dirgate-tls-'));
    wrongCaFile = path.join(tmp, 'other-ca.pem');
    await writeFile(wrongCaFile, (await makeTestCa({ commonName: 'some other CA' })).certPem);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  after(async () => {
    await slapd?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('is refused in plain text by this server (the control case)', async () => {
    const err = await rejection(readAlice(source({ urls: [slapd.url] })));
    assert.equal(err.reason, 'source-service-bind-rejected');
  });

  it('reads over ldaps when the CA file is the one that signed the server', async () => {
    assert.deepEqual(dnsOf(await readAlice(source({ urls: [slapd.ldapsUrl as string], tls: { startTls: false, caFile: slapd.caFile } }))), [ALICE]);
  });

  it('reads over StartTLS on the plain port', async () => {
    const s = source({ urls: [slapd.url], tls: { startTls: true, caFile: slapd.caFile } });
    assert.deepEqual(dnsOf(await readAlice(s)), [ALICE]);
    await s.verifyPassword(ALICE, 'alice-pass');
  });

  it('checks the certificate against servername when one is configured', async () => {
    const named = source({ urls: [slapd.ldapsUrl as string], tls: { startTls: false, caFile: slapd.caFile, servername: 'localhost' } });
    assert.deepEqual(dnsOf(await readAlice(named)), [ALICE]);
    const misnamed = source({ urls: [slapd.url], tls: { startTls: true, caFile: slapd.caFile, servername: 'ldap.elsewhere.example' } });
    const err = await rejection(readAlice(misnamed));
    assert.equal(err.code, 'ERR_COULD_NOT_CONNECT');
    assert.equal(err.reason, 'source-tls-rejected');
  });

  it('refuses a server whose certificate another CA signed, over ldaps and StartTLS, without naming the host to clients', async () => {
    for (const [url, startTls] of [[slapd.ldapsUrl as string, false], [slapd.url, true]] as const) {
      const s = source({ urls: [url], tls: { startTls, caFile: wrongCaFile } });
      const err = await rejection(readAlice(s));
      assert.equal(err.code, 'ERR_COULD_NOT_CONNECT', url);
      assert.equal(err.reason, 'source-tls-rejected', url);
      assert.equal(err.spec.dsml, 'couldNotConnect');
      assert.doesNotMatch(err.publicMessage, /127\.0\.0\.1|ldap/i);
      assert.equal(s.health().urls[0]?.lastError, 'source-tls-rejected');
    }
  });

  it('does not trust the test CA by default (no CA file: the system list)', async () => {
    const err = await rejection(readAlice(source({ urls: [slapd.ldapsUrl as string] })));
    assert.equal(err.reason, 'source-tls-rejected');
  });
});
