/**
 * The extended profile on the embedded directory, for unit tests of the layers
 * above it: one in-process ldapjs server per test file (start it in before()),
 * reached through the project's own LDAP connector exactly as the gateway
 * reaches it, and a fresh profile base for every call so tests never share
 * entries. The same ProfileEntries the slapd integration tests use, so the
 * store's logic is always exercised against LDAP's own semantics.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedDirectory, type EmbeddedDirectory } from '../../src/directory/embedded/index.js';
import type { LdapSource } from '../../src/directory/sources/types.js';
import { silentLogger } from '../../src/log.js';
import { ldapProfileEntries, type ProfileEntries } from '../../src/sessions/profile-entries.js';
import { openTestSource } from './ldap-source.js';

const SUFFIX = 'dc=corp,dc=example';
const ADMIN_DN = `cn=admin,${SUFFIX}`;
const ADMIN_PASSWORD = 'embedded-profile-admin-pass';
const SEED = `dn: ${SUFFIX}\nobjectClass: top\nobjectClass: dcObject\nobjectClass: organization\ndc: corp\no: corp\n`;

export interface EmbeddedProfile {
  readonly url: string;
  /** The profile under a base no other call has used (`ou=dirgateN,dc=corp,dc=example`), not yet created. */
  entries(): ProfileEntries;
  /** Closes the source, stops the server and removes its data directory. */
  close(): Promise<void>;
}

export async function startEmbeddedProfile(): Promise<EmbeddedProfile> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dirgate-embedded-profile-'));
  let directory: EmbeddedDirectory | undefined;
  let source: LdapSource | undefined;
  try {
    const ldif = path.join(dataDir, 'seed.ldif');
    await writeFile(ldif, SEED);
    directory = await startEmbeddedDirectory(
      { enabled: true, host: '127.0.0.1', port: 0, suffixes: [{ suffix: SUFFIX, ldif, admin: { dn: ADMIN_DN, password: ADMIN_PASSWORD } }] },
      { dataDir, log: silentLogger() },
    );
    source = openTestSource({ url: directory.url, bindDn: ADMIN_DN, password: ADMIN_PASSWORD, baseDn: SUFFIX });
  } catch (err) {
    await directory?.close();
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const running = directory;
  const bound = source;
  let n = 0;
  let closing: Promise<void> | undefined;
  return {
    url: running.url,
    entries: () => ldapProfileEntries(bound, `ou=dirgate${++n},${SUFFIX}`),
    close() {
      closing ??= (async () => {
        try {
          await bound.close();
          await running.close();
        } finally {
          await rm(dataDir, { recursive: true, force: true });
        }
      })();
      return closing;
    },
  };
}
