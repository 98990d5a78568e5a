/**
 * Generated people for the benchmark's directory, shaped like the demo data:
 * corp holds the accounts (uid, cn, sn, mail, telephoneNumber, a salted SHA
 * password), hr the same people keyed by mail with employeeNumber, title,
 * departmentNumber and manager; the view joins them on mail. Written as LDIF
 * files for slapadd, streamed, so a million people never sit in memory.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export const CORP_SUFFIX = 'dc=corp,dc=example';
export const HR_SUFFIX = 'o=hr';
export const CORP_PEOPLE = `ou=people,${CORP_SUFFIX}`;
export const HR_PEOPLE = `ou=people,${HR_SUFFIX}`;
export const CORP_GROUPS = `ou=groups,${CORP_SUFFIX}`;
export const PROFILE_BASE = `ou=dirgate,${CORP_SUFFIX}`;
/** The provisioning administrator: member of cn=admins, may provision and manage sessions. */
export const ADMIN_UID = 'admin';
export const ADMIN_PASSWORD = 'bench-admin-pass';

/**
 * When the generated entries (containers too) were last changed, as slapadd records it. Without
 * it every entry would look changed seconds before the gateway starts, and the
 * gateway's change poller (which looks back 5 minutes on its first poll) would
 * drop the whole cache mid-run: a loading artefact, not what a directory in
 * service looks like.
 */
const LOADED_AT = 'createTimestamp: 20250101000000Z\nmodifyTimestamp: 20250101000000Z';

export const uidOf = (i: number): string => `user${i}`;
export const mailOf = (i: number): string => `user${i}@corp.example`;
export const passwordOf = (i: number): string => `pass-${i}`;

function ssha(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

/** Suffix entries and containers, loaded by startSlapd before the bulk data. */
export function corpSkeleton(): string {
  return [
    `dn: ${CORP_SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: corp\no: corp\n${LOADED_AT}`,
    `dn: ${CORP_PEOPLE}\nobjectClass: organizationalUnit\nou: people\n${LOADED_AT}`,
    `dn: ${CORP_GROUPS}\nobjectClass: organizationalUnit\nou: groups\n${LOADED_AT}`,
    `dn: ${PROFILE_BASE}\nobjectClass: organizationalUnit\nou: dirgate\n${LOADED_AT}`,
  ].join('\n\n') + '\n';
}

export function hrSkeleton(): string {
  return [
    `dn: ${HR_SUFFIX}\nobjectClass: organization\no: hr\n${LOADED_AT}`,
    `dn: ${HR_PEOPLE}\nobjectClass: organizationalUnit\nou: people\n${LOADED_AT}`,
  ].join('\n\n') + '\n';
}

function corpPerson(i: number): string {
  return `dn: uid=${uidOf(i)},${CORP_PEOPLE}
objectClass: inetOrgPerson
uid: ${uidOf(i)}
cn: User ${i}
sn: ${i}
givenName: User
mail: ${mailOf(i)}
telephoneNumber: +1 555 ${String(i % 10_000).padStart(4, '0')}
userPassword: ${ssha(passwordOf(i))}
${LOADED_AT}

`;
}

function hrPerson(i: number): string {
  const manager = i >= 10 ? `\nmanager: mail=${mailOf(i - (i % 10))},${HR_PEOPLE}` : '';
  return `dn: mail=${mailOf(i)},${HR_PEOPLE}
objectClass: inetOrgPerson
mail: ${mailOf(i)}
cn: User ${i}
sn: ${i}
employeeNumber: ${100_000 + i}
title: Title ${i % 7}
departmentNumber: ${Math.floor(i / 10)}${manager}
${LOADED_AT}

`;
}

function adminEntries(): string {
  return `dn: uid=${ADMIN_UID},${CORP_PEOPLE}
objectClass: inetOrgPerson
uid: ${ADMIN_UID}
cn: Bench Admin
sn: Admin
mail: admin@corp.example
userPassword: ${ssha(ADMIN_PASSWORD)}
${LOADED_AT}

dn: cn=admins,${CORP_GROUPS}
objectClass: groupOfNames
cn: admins
member: uid=${ADMIN_UID},${CORP_PEOPLE}
${LOADED_AT}

`;
}

async function writeLdif(file: string, count: number, entry: (i: number) => string, head = ''): Promise<void> {
  const out = createWriteStream(file);
  const batch = 500;
  if (head) out.write(head);
  for (let i = 0; i < count; i += batch) {
    let chunk = '';
    for (let k = i; k < Math.min(count, i + batch); k += 1) chunk += entry(k);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Writes the bulk LDIF of both sources: `count` people each (plus the admin and its group in corp). */
export async function writePeopleLdif(count: number, corpFile: string, hrFile: string): Promise<void> {
  await Promise.all([
    writeLdif(corpFile, count, corpPerson, adminEntries()),
    writeLdif(hrFile, count, hrPerson),
  ]);
}
