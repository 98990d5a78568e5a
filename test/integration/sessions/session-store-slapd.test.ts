import path from 'node:path';
import { ldapProfileEntries, type ProfileEntries } from '../../../src/sessions/profile-entries.js';
import { PACKAGE_ROOT } from '../../../src/config/load.js';
import { startSlapd, type Slapd } from '../../helpers/slapd.js';
import { lockoutScenarios, mfaScenarios, sessionStoreScenarios } from '../../unit/sessions/scenarios/session-store.scenarios.js';
import { openTestSource } from '../../helpers/ldap-source.js';

// The same scenarios as the unit tests, on real OpenLDAP with dirgate's schema
// enforced: one slapd for the file, a fresh profile base per test.
describe('sessions on real slapd (schemas/ldap/dirgate.ldif loaded)', function () {
  let slapd: Slapd;
  const opened: Array<{ close(): Promise<void> }> = [];
  let n = 0;

  before(async () => {
    slapd = await startSlapd({
      suffix: 'dc=corp,dc=example',
      ldif: 'dn: dc=corp,dc=example\nobjectClass: dcObject\nobjectClass: organization\ndc: corp\no: corp\n',
      extraSchemas: [path.join(PACKAGE_ROOT, 'schemas', 'ldap', 'dirgate.ldif')],
    });
  });
  after(async () => {
    for (const c of opened) await c.close();
    await slapd?.stop();
  });

  async function profile(): Promise<ProfileEntries> {
    const source = openTestSource({ url: slapd.url, bindDn: slapd.rootDn, password: slapd.rootPassword, baseDn: slapd.suffix });
    opened.push(source);
    return ldapProfileEntries(source, `ou=dirgate${++n},dc=corp,dc=example`);
  }

  describe('session store', () => sessionStoreScenarios(profile));
  describe('lock-out', () => lockoutScenarios(profile));
  describe('MFA enrolment', () => mfaScenarios(profile));
});
