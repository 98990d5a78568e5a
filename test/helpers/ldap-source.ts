/**
 * The project's own LDAP connector (createLdapSource) on one test server, bound
 * as a fixed account, for tests of the layers above it: no home-made ldapts
 * client, so those tests see exactly the errors and values the gateway does.
 */
import { silentLogger } from '../../src/log.js';
import { createLdapSource } from '../../src/directory/sources/index.js';
import type { LdapSource } from '../../src/directory/sources/types.js';

export interface TestSourceOptions {
  url: string;
  bindDn: string;
  password: string;
  baseDn: string;
  /** The source's name (default `test`). */
  name?: string;
}

export function openTestSource(options: TestSourceOptions): LdapSource {
  return createLdapSource({
    name: options.name ?? 'test',
    urls: [options.url],
    baseDn: options.baseDn,
    bind: { dn: options.bindDn, password: options.password },
    readOnly: false,
    pool: { size: 2 },
    timeouts: { connectMs: 5000, operationMs: 10_000 },
    failover: { backoffMs: 200, maxBackoffMs: 2000 },
    tls: { startTls: false },
  }, { log: silentLogger() });
}
