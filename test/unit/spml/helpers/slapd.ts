/**
 * The slapd of the SPML tests (the shared test/helpers/slapd.ts): one database
 * under o=example (ou=people, ou=groups, ou=policies), the password-policy
 * overlay with a default policy (minimum length 8, quality checked, cleartext
 * hashed), and a provisioning account that is not the rootdn (so policy applies
 * to its writes).
 */
import { startSlapd as startSharedSlapd, type Slapd } from '../../../helpers/slapd.js';

export type { Slapd };

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

const POLICY = `cn=default,ou=policies,${SUFFIX}`;

const ACCESS = [
  // An entry no one may delete: a recursive delete must stop half-way on it.
  `to dn.exact="ou=team,ou=projects,ou=groups,${SUFFIX}" attrs=entry by * read`,
  `to attrs=userPassword by self write by dn.exact="${PROVISIONER.dn}" write by anonymous auth by * none`,
  `to * by dn.exact="${PROVISIONER.dn}" write by * read`,
];

export function startSlapd(seed = SEED_LDIF): Promise<Slapd> {
  return startSharedSlapd({
    suffix: SUFFIX,
    ldif: seed,
    rootPassword: ADMIN.password,
    extraSchemas: ['namedobject'],
    access: ACCESS,
    passwordPolicy: { defaultPolicyDn: POLICY },
  });
}
