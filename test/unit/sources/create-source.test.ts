import assert from 'node:assert/strict';
import type { SourceConfig } from '../../../src/config/types.js';
import { DirgateError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { createLdapSource } from '../../../src/directory/sources/index.js';

const config = (overrides: Partial<SourceConfig>): SourceConfig => ({
  name: 'corp',
  urls: ['ldap://127.0.0.1:1'],
  baseDn: 'dc=corp,dc=example',
  readOnly: false,
  pool: { size: 1 },
  timeouts: { connectMs: 100, operationMs: 100 },
  failover: { backoffMs: 10, maxBackoffMs: 20 },
  tls: { startTls: false },
  ...overrides,
});

function refusal(c: SourceConfig, embeddedUrl?: string): DirgateError {
  try {
    createLdapSource(c, { log: silentLogger(), embeddedUrl });
  } catch (err) {
    assert.ok(err instanceof DirgateError);
    return err;
  }
  assert.fail('expected the configuration to be refused');
}

describe('creating an LDAP source', () => {
  it('puts the embedded directory\'s address where `embedded` is configured', () => {
    const source = createLdapSource(config({ urls: ['embedded', 'ldaps://replica.example:636'] }), { log: silentLogger(), embeddedUrl: 'ldap://127.0.0.1:1389' });
    assert.deepEqual(source.health().urls.map((u) => u.url), ['ldap://127.0.0.1:1389', 'ldaps://replica.example:636']);
    assert.equal(source.name, 'corp');
    assert.equal(source.baseDn, 'dc=corp,dc=example');
  });

  it('refuses `embedded` when no embedded directory runs, a URL of another scheme, and an unreadable CA file', () => {
    assert.equal(refusal(config({ urls: ['embedded'] })).code, 'ERR_CONFIG_INVALID');
    assert.equal(refusal(config({ urls: ['http://127.0.0.1:389'] })).code, 'ERR_CONFIG_INVALID');
    assert.equal(refusal(config({ tls: { startTls: true, caFile: '/nonexistent/ca.pem' } })).code, 'ERR_CONFIG_INVALID');
  });

  it('refuses operations once closed', async () => {
    const source = createLdapSource(config({}), { log: silentLogger() });
    await source.close();
    await assert.rejects(source.compare({ dn: 'uid=a', attribute: 'uid', value: 'a', controls: [] }), (err: unknown) => err instanceof DirgateError && err.reason === 'source-closed');
  });
});
