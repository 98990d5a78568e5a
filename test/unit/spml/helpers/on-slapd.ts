/**
 * The set-up every SPML test file against slapd shares: one slapd for the
 * enclosing describe, the Directory SPML runs on (bound as the provisioner),
 * and reads as the rootdn for checking what a request left in the directory.
 * Call it inside a describe: it registers that describe's before and after.
 */
import type { Entry } from '../../../../src/directory/model.js';
import { ldapDirectory, readRaw, type ClosableDirectory } from './ldap-directory.js';
import { ADMIN, PROVISIONER, startSlapd, type Slapd } from './slapd.js';

export interface SpmlSlapd {
  readonly slapd: Slapd;
  readonly directory: ClosableDirectory;
  /** The entry as the rootdn sees it (operational attributes too by default); undefined when there is none. */
  readAsAdmin(dn: string, attributes?: string[]): Promise<Entry | undefined>;
}

export function spmlOnSlapd(): SpmlSlapd {
  let slapd: Slapd | undefined;
  let directory: ClosableDirectory | undefined;
  before(async () => {
    slapd = await startSlapd();
    directory = ldapDirectory({ url: slapd.url, bindDN: PROVISIONER.dn, password: PROVISIONER.password });
  });
  after(async () => {
    await directory?.close();
    await slapd?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('slapd is not started yet (use it inside a test or hook)');
    return value;
  };
  return {
    get slapd() { return started(slapd); },
    get directory() { return started(directory); },
    readAsAdmin: (dn, attributes) => readRaw({ url: started(slapd).url, bindDN: ADMIN.dn, password: ADMIN.password }, dn, attributes),
  };
}
