/**
 * A throw-away OpenLDAP slapd for the SPML tests: one mdb database under
 * o=example (ou=people, ou=groups, ou=policies), the password-policy overlay
 * with a default policy (minimum length 8, quality checked, cleartext hashed),
 * a provisioning account that is not the rootdn (so policy applies to its
 * writes), loaded with slapadd and served on a free loopback port.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { retryOnAddressInUse } from '../../../helpers/ports.js';

export const SUFFIX = 'o=example';
export const ADMIN = { dn: 'cn=admin,o=example', password: 'slapd-root-pass' };
export const PROVISIONER = { dn: 'cn=provisioner,o=example', password: 'provisioner-pass' };

export const SEED_LDIF = `dn: o=example
objectClass: organization
o: example

dn: cn=provisioner,o=example
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: provisioner
userPassword: ${PROVISIONER.password}

dn: ou=policies,o=example
objectClass: organizationalUnit
ou: policies

dn: cn=default,ou=policies,o=example
objectClass: namedObject
objectClass: pwdPolicy
cn: default
pwdAttribute: userPassword
pwdMinLength: 8
pwdCheckQuality: 2
pwdMustChange: TRUE

dn: ou=people,o=example
objectClass: organizationalUnit
ou: people

dn: uid=alice,ou=people,o=example
objectClass: inetOrgPerson
uid: alice
cn: Alice Liddell
sn: Liddell
mail: alice@example.com
userPassword: alice-pass

dn: uid=bob,ou=people,o=example
objectClass: inetOrgPerson
uid: bob
cn: Bob Builder
sn: Builder
mail: bob@example.com
telephoneNumber: +1 555 0100
userPassword: bob-pass

dn: uid=carol,ou=people,o=example
objectClass: inetOrgPerson
uid: carol
cn: Carol Danvers
sn: Danvers
mail: carol@example.com
userPassword: carol-pass

dn: ou=groups,o=example
objectClass: organizationalUnit
ou: groups

dn: ou=projects,ou=groups,o=example
objectClass: organizationalUnit
ou: projects

dn: ou=team,ou=projects,ou=groups,o=example
objectClass: organizationalUnit
ou: team

dn: cn=alpha,ou=team,ou=projects,ou=groups,o=example
objectClass: groupOfNames
cn: alpha
member: uid=alice,ou=people,o=example

dn: cn=staff,ou=groups,o=example
objectClass: groupOfNames
cn: staff
member: uid=alice,ou=people,o=example
member: uid=bob,ou=people,o=example
`;

function config(dir: string): string {
  return `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/namedobject.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy
pidfile ${dir}/slapd.pid
database mdb
maxsize 33554432
suffix "${SUFFIX}"
rootdn "${ADMIN.dn}"
rootpw ${ADMIN.password}
directory ${dir}/db
index objectClass eq
index uid,mail,entryUUID eq
access to dn.exact="ou=team,ou=projects,ou=groups,${SUFFIX}" attrs=entry
  by * read
access to attrs=userPassword
  by self write
  by dn.exact="${PROVISIONER.dn}" write
  by anonymous auth
  by * none
access to *
  by dn.exact="${PROVISIONER.dn}" write
  by * read
overlay ppolicy
ppolicy_default "cn=default,ou=policies,${SUFFIX}"
ppolicy_hash_cleartext
`;
}

export interface Slapd {
  url: string;
  stop(): Promise<void>;
}

function waitForPort(port: number, child: ChildProcess, deadlineMs = 10_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) {
        reject(Object.assign(new Error(`slapd exited with ${child.exitCode}`), { code: 'SLAPD_EXITED' }));
        return;
      }
      const s = net.connect({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(); });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > until) reject(new Error(`slapd did not listen on ${port}`));
        else setTimeout(attempt, 25);
      });
    };
    attempt();
  });
}

export async function startSlapd(seed = SEED_LDIF): Promise<Slapd> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dirgate-spml-slapd-'));
  await mkdir(path.join(dir, 'db'));
  const conf = path.join(dir, 'slapd.conf');
  await writeFile(conf, config(dir));
  await writeFile(path.join(dir, 'seed.ldif'), seed);
  const add = spawnSync('/usr/sbin/slapadd', ['-q', '-f', conf, '-l', path.join(dir, 'seed.ldif')], { encoding: 'utf8' });
  if (add.status !== 0) throw new Error(`slapadd failed: ${add.stderr}`);
  let child: ChildProcess | undefined;
  const url = await retryOnAddressInUse(async ([port]) => {
    let stderr = '';
    child = spawn('/usr/sbin/slapd', ['-f', conf, '-h', `ldap://127.0.0.1:${port}/`, '-d', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    try {
      await waitForPort(port!, child);
    } catch (err) {
      child.kill('SIGKILL');
      if (/Address already in use/.test(stderr)) throw Object.assign(new Error('in use'), { code: 'EADDRINUSE' });
      throw new Error(`slapd did not start: ${(err as Error).message}\n${stderr}`);
    }
    return `ldap://127.0.0.1:${port}`;
  });
  return {
    url,
    async stop() {
      const c = child!;
      if (c.exitCode === null) {
        await new Promise<void>((resolve) => {
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
        });
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
