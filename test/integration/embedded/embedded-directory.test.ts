/**
 * The embedded directory as real LDAP clients see it: ldapts (the client the
 * virtual directory uses) and OpenLDAP's own command-line tools (ldap-utils,
 * which CI installs), against the demo data, on a free loopback port.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Attribute, Change, Client, EqualityFilter, type Entry as LdapEntry } from 'ldapts';
import type { EmbeddedConfig } from '../../../src/config/types.js';
import { silentLogger } from '../../../src/log.js';
import { type EmbeddedDirectory, startEmbeddedDirectory } from '../../../src/directory/embedded/index.js';

const run = promisify(execFile);
const DEMO = path.resolve('fixtures/demo');
const CORP_ADMIN = { dn: 'cn=admin,dc=corp,dc=example', password: 'directory-admin-pass' };
const HR_ADMIN = { dn: 'cn=admin,o=hr', password: 'directory-admin-pass' };
const ALICE = 'uid=alice,ou=people,dc=corp,dc=example';
const BOB = 'uid=bob,ou=people,dc=corp,dc=example';
const PEOPLE = 'ou=people,dc=corp,dc=example';

function demoConfig(port = 0): EmbeddedConfig {
  return {
    enabled: true,
    host: '127.0.0.1',
    port,
    suffixes: [
      { suffix: 'dc=corp,dc=example', ldif: path.join(DEMO, 'corp.ldif'), admin: CORP_ADMIN, adminOnlySubtrees: ['ou=dirgate,dc=corp,dc=example'] },
      { suffix: 'o=hr', ldif: path.join(DEMO, 'hr.ldif'), admin: HR_ADMIN },
    ] as EmbeddedConfig['suffixes'],
  };
}

/** Alice's photo as the LDIF file holds it, read without the code under test. */
function photoFromLdif(): Buffer {
  const text = fs.readFileSync(path.join(DEMO, 'corp.ldif'), 'utf8').replace(/\r?\n /g, '');
  const m = /^jpegPhoto:: (.+)$/m.exec(text);
  assert.ok(m, 'corp.ldif holds a jpegPhoto');
  return Buffer.from(m[1]!, 'base64');
}

async function resultCode(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    throw err;
  }
  return 0;
}

describe('the embedded LDAP directory, over the wire', function () {
  this.timeout(20000);
  const open: EmbeddedDirectory[] = [];
  const clients: Client[] = [];
  const dirs: string[] = [];

  function tempDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dirgate-embedded-'));
    dirs.push(dir);
    return dir;
  }

  async function start(dataDir = tempDir(), config = demoConfig()): Promise<EmbeddedDirectory> {
    const d = await startEmbeddedDirectory(config, { dataDir, log: silentLogger() });
    open.push(d);
    return d;
  }

  async function client(d: EmbeddedDirectory, as?: { dn: string; password: string }): Promise<Client> {
    const c = new Client({ url: d.url, timeout: 10000, connectTimeout: 5000 });
    clients.push(c);
    if (as) await c.bind(as.dn, as.password);
    return c;
  }

  const dns = (entries: LdapEntry[]) => entries.map((e) => e.dn).sort();

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.unbind().catch(() => undefined)));
    await Promise.all(open.splice(0).map((d) => d.close()));
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('listens on the port it was given 0 for, and reports the real one', async () => {
    const d = await start();
    assert.ok(d.port > 0);
    assert.equal(d.url, `ldap://127.0.0.1:${d.port}`);
  });

  it('binds alice with her password, and answers invalidCredentials (49) to a wrong one or an unknown user', async () => {
    const d = await start();
    const c = await client(d);
    await c.bind(ALICE, 'alice-pass');
    assert.equal(await resultCode(c.bind(ALICE, 'wrong-pass')), 49);
    assert.equal(await resultCode(c.bind('uid=nobody,ou=people,dc=corp,dc=example', 'x')), 49);
    assert.equal(await resultCode(c.bind(CORP_ADMIN.dn, 'wrong')), 49);
    await c.bind(CORP_ADMIN.dn, CORP_ADMIN.password);
    const who = await c.exop('1.3.6.1.4.1.4203.1.11.3');
    assert.equal(who.value, `dn:${CORP_ADMIN.dn}`);
  });

  it('finds entries with every kind of filter', async () => {
    const d = await start();
    const c = await client(d);
    const find = async (filter: string, base = 'dc=corp,dc=example') => dns((await c.search(base, { filter, attributes: ['1.1'] })).searchEntries);
    assert.deepEqual(await find('(uid=ALICE)'), [ALICE]);
    assert.deepEqual(await find('(&(objectClass=inetOrgPerson)(|(uid=bob)(mail=carol@*)))'), [BOB, 'uid=carol,ou=people,dc=corp,dc=example']);
    assert.deepEqual(await find('(&(objectClass=groupOfNames)(member=UID=Admin,OU=People,DC=corp,DC=example))'), [
      'cn=admins,ou=groups,dc=corp,dc=example', 'cn=staff,ou=groups,dc=corp,dc=example']);
    assert.deepEqual(await find('(telephoneNumber=*0101)'), [ALICE]);
    assert.deepEqual(await find('(jpegPhoto=*)'), [ALICE]);
    assert.deepEqual(await find('(!(objectClass=*))'), []);
    assert.deepEqual(await find('(&(departmentNumber>=40)(departmentNumber<=42)(!(title=Engineering Manager)))', 'o=hr'), [
      'mail=alice@corp.example,ou=people,o=hr', 'mail=bob@corp.example,ou=people,o=hr']);
    assert.deepEqual(await find('(cn~=carolclark)'), ['uid=carol,ou=people,dc=corp,dc=example']);
    assert.deepEqual(await find('(ou:dn:=groups)'), [
      'cn=admins,ou=groups,dc=corp,dc=example', 'cn=staff,ou=groups,dc=corp,dc=example', 'ou=groups,dc=corp,dc=example']);
    assert.deepEqual(await find('(uid:caseExactMatch:=Alice)'), []);
    const one = await c.search(PEOPLE, { scope: 'one', filter: '(objectClass=*)', attributes: ['1.1'] });
    assert.equal(one.searchEntries.length, 4);
    const base = await c.search(ALICE, { scope: 'base', attributes: ['uid'] });
    assert.deepEqual(base.searchEntries.map((e) => e.uid), ['alice']);
  });

  it('matches non-ASCII and escaped characters in filters, and keeps the spelling of added attribute types', async () => {
    const d = await start();
    const c = await client(d, CORP_ADMIN);
    const dn = 'cn=Zoë (QA) *star*,ou=people,dc=corp,dc=example';
    await c.add(dn, { objectClass: ['person'], cn: 'Zoë (QA) *star*', sn: 'Zoë', telephoneNumber: '+1 555 0150' });
    const find = async (filter: string) => dns((await c.search(PEOPLE, { filter, attributes: ['1.1'] })).searchEntries);
    assert.deepEqual(await find('(sn=zoë)'), [dn]);
    assert.deepEqual(await find('(cn=Zoë \\28QA\\29*)'), [dn]);
    assert.deepEqual(await find('(cn=*\\2astar\\2a)'), [dn]);
    assert.deepEqual(await find('(cn=*\\2anothing\\2a)'), []);
    const entry = (await c.search(dn, { scope: 'base' })).searchEntries[0]!;
    assert.deepEqual(Object.keys(entry).sort(), ['cn', 'dn', 'objectClass', 'sn', 'telephoneNumber']);
    assert.equal(entry.dn, dn);
    assert.equal(await c.compare(dn, 'sn', 'ZOË'), true);
  });

  it('answers noSuchObject (32) for a base that does not exist, with the closest existing entry as matchedDN', async () => {
    const d = await start();
    const c = await client(d);
    assert.equal(await resultCode(c.search('uid=nobody,ou=people,dc=corp,dc=example')), 32);
    assert.equal(await resultCode(c.search('dc=elsewhere')), 32);
    const out = await run('ldapsearch', ['-x', '-H', d.url, '-b', 'uid=nobody,ou=people,dc=corp,dc=example', '-s', 'base']).catch((e: { stdout: string }) => e);
    assert.match(out.stdout, /matchedDN: ou=people,dc=corp,dc=example/);
  });

  it("returns alice's jpegPhoto byte for byte", async () => {
    const d = await start();
    const c = await client(d);
    const { searchEntries } = await c.search(ALICE, { scope: 'base', attributes: ['jpegPhoto'], explicitBufferAttributes: ['jpegPhoto'] });
    const photo = searchEntries[0]!.jpegPhoto;
    assert.ok(Buffer.isBuffer(photo));
    assert.deepEqual(photo, photoFromLdif());
  });

  it('shows userPassword only to the suffix administrator, and as a salted hash', async () => {
    const d = await start();
    for (const who of [undefined, { dn: ALICE, password: 'alice-pass' }, HR_ADMIN]) {
      const c = await client(d, who);
      const { searchEntries } = await c.search(ALICE, { scope: 'base', attributes: ['*', 'userPassword'] });
      assert.deepEqual([searchEntries[0]!.userPassword ?? []].flat(), [], `hidden from ${who?.dn ?? 'anonymous'}`);
      assert.deepEqual(dns((await c.search(PEOPLE, { filter: '(userPassword=*)' })).searchEntries), []);
    }
    const admin = await client(d, CORP_ADMIN);
    const { searchEntries } = await admin.search(ALICE, { scope: 'base', attributes: ['userPassword'] });
    assert.match(String(searchEntries[0]!.userPassword), /^\{SSHA512\}/);
    await admin.bind('', '');
    const asAnonymous = await admin.search(ALICE, { scope: 'base', attributes: ['userPassword'] });
    assert.deepEqual([asAnonymous.searchEntries[0]!.userPassword ?? []].flat(), [], 'an anonymous bind ends the administrator session');
    await admin.bind(CORP_ADMIN.dn, CORP_ADMIN.password);
    assert.equal(await resultCode(admin.bind(ALICE, 'wrong')), 49);
    const afterFailure = await admin.search(ALICE, { scope: 'base', attributes: ['userPassword'] });
    assert.deepEqual([afterFailure.searchEntries[0]!.userPassword ?? []].flat(), [], 'a failed bind leaves the connection anonymous');
  });

  it('hides the administrator-only subtree from everyone else', async () => {
    const d = await start();
    const anonymous = await client(d);
    assert.equal(await resultCode(anonymous.search('ou=dirgate,dc=corp,dc=example', { scope: 'base' })), 32);
    const all = dns((await anonymous.search('dc=corp,dc=example', { attributes: ['1.1'] })).searchEntries);
    assert.ok(!all.includes('ou=dirgate,dc=corp,dc=example'));
    const admin = await client(d, CORP_ADMIN);
    assert.equal((await admin.search('ou=dirgate,dc=corp,dc=example', { scope: 'base' })).searchEntries.length, 1);
  });

  it('returns operational attributes on + or by name, none on 1.1, and only names with typesOnly', async () => {
    const d = await start();
    const c = await client(d);
    const plus = (await c.search(ALICE, { scope: 'base', attributes: ['+'] })).searchEntries[0]!;
    assert.equal(plus.entryDN, ALICE);
    assert.match(String(plus.entryUUID), /^[0-9a-f-]{36}$/);
    assert.match(String(plus.createTimestamp), /^\d{14}Z$/);
    assert.match(String(plus.modifyTimestamp), /^\d{14}Z$/);
    assert.equal(plus.uid, undefined, '+ alone returns no user attributes');
    const named = (await c.search(ALICE, { scope: 'base', attributes: ['uid', 'MODIFYTIMESTAMP'] })).searchEntries[0]!;
    assert.deepEqual(Object.keys(named).sort(), ['dn', 'modifyTimestamp', 'uid']);
    const suffix = (await c.search('dc=corp,dc=example', { scope: 'base', attributes: ['contextCSN'] })).searchEntries[0]!;
    assert.match(String(suffix.contextCSN), /^\d{14}\.\d{6}Z#[0-9a-f]{6}#000#000000$/);
    const none = (await c.search(ALICE, { scope: 'base', attributes: ['1.1'] })).searchEntries[0]!;
    assert.deepEqual(Object.entries(none).filter(([k, v]) => k !== 'dn' && [v].flat().length > 0), [], 'no attribute values on 1.1');
    const types = (await c.search(ALICE, { scope: 'base', attributes: ['uid', 'cn'], returnAttributeValues: false })).searchEntries[0]!;
    assert.deepEqual(types.uid, []);
    assert.deepEqual(types.cn, []);
  });

  it('publishes its naming contexts and the paged results control in the root DSE', async () => {
    const d = await start();
    const c = await client(d);
    const root = (await c.search('', { scope: 'base', attributes: ['namingContexts', 'supportedControl'] })).searchEntries[0]!;
    assert.deepEqual(root.namingContexts, ['dc=corp,dc=example', 'o=hr']);
    assert.ok((root.supportedControl as string[]).includes('1.2.840.113556.1.4.319'));
  });

  it('pages through a result set across requests with the Simple Paged Results control', async () => {
    const d = await start();
    const c = await client(d, CORP_ADMIN);
    const pages: string[][] = [];
    for await (const page of c.searchPaginated('dc=corp,dc=example', { filter: '(objectClass=*)', attributes: ['1.1'], paged: { pageSize: 3 } })) {
      pages.push(page.searchEntries.map((e) => e.dn));
    }
    assert.deepEqual(pages.map((p) => p.length), [3, 3, 3, 1]);
    const all = pages.flat();
    assert.equal(new Set(all).size, 10);
    const unpaged = dns((await c.search('dc=corp,dc=example', { attributes: ['1.1'] })).searchEntries);
    assert.deepEqual([...all].sort(), unpaged);
    const { stdout } = await run('ldapsearch', ['-x', '-H', d.url, '-D', CORP_ADMIN.dn, '-w', CORP_ADMIN.password, '-b', 'dc=corp,dc=example', '-E', 'pr=3/noprompt', '1.1']);
    assert.equal(stdout.match(/^pagedresults: /gm)?.length, 4, "OpenLDAP's client pages the same way");
    assert.match(stdout, /^# numEntries: 10$/m);
  });

  it('stops at the size limit with sizeLimitExceeded (4)', async () => {
    const d = await start();
    const c = await client(d);
    const { searchEntries } = await c.search(PEOPLE, { scope: 'one', sizeLimit: 2, attributes: ['1.1'] });
    assert.equal(searchEntries.length, 2);
    const out = await run('ldapsearch', ['-x', '-H', d.url, '-b', PEOPLE, '-s', 'one', '-z', '2', '1.1']).then(
      () => assert.fail('ldapsearch should report the size limit'),
      (e: { code: number; stdout: string }) => e,
    );
    assert.equal(out.code, 4);
    assert.match(out.stdout, /result: 4 Size limit exceeded/);
    assert.equal((await c.search(PEOPLE, { scope: 'one', sizeLimit: 4, attributes: ['1.1'] })).searchEntries.length, 4);
  });

  it('lets only the suffix administrator write, except a user on their own phone numbers and password (50)', async () => {
    const d = await start();
    const alice = await client(d, { dn: ALICE, password: 'alice-pass' });
    const phone = (v: string) => new Change({ operation: 'replace', modification: new Attribute({ type: 'telephoneNumber', values: [v] }) });
    await alice.modify(ALICE, [phone('+1 555 0199'), new Change({ operation: 'add', modification: new Attribute({ type: 'mobile', values: ['+1 555 0200'] }) })]);
    assert.equal(await resultCode(alice.modify(ALICE, new Change({ operation: 'replace', modification: new Attribute({ type: 'cn', values: ['Queen Alice'] }) }))), 50);
    assert.equal(await resultCode(alice.modify(BOB, phone('1'))), 50);
    assert.equal(await resultCode(alice.del(BOB)), 50);
    assert.equal(await resultCode(alice.add('uid=eve,ou=people,dc=corp,dc=example', { objectClass: 'person', uid: 'eve', cn: 'Eve', sn: 'E' })), 50);
    const anonymous = await client(d);
    assert.equal(await resultCode(anonymous.modify(ALICE, phone('2'))), 50);
    const hrAdmin = await client(d, HR_ADMIN);
    assert.equal(await resultCode(hrAdmin.modify(ALICE, phone('3'))), 50, 'one suffix administrator cannot write another suffix');
    const entry = (await anonymous.search(ALICE, { scope: 'base', attributes: ['telephoneNumber', 'mobile', 'cn'] })).searchEntries[0]!;
    assert.equal(entry.telephoneNumber, '+1 555 0199');
    assert.equal(entry.mobile, '+1 555 0200');
    assert.equal(entry.cn, 'Alice Anderson');
  });

  it("stores a user's new password hashed, and binds with it at once", async () => {
    const d = await start();
    const bob = await client(d, { dn: BOB, password: 'bob-pass' });
    await bob.modify(BOB, new Change({ operation: 'replace', modification: new Attribute({ type: 'userPassword', values: ['bob-new-pass'] }) }));
    const admin = await client(d, CORP_ADMIN);
    const stored = String((await admin.search(BOB, { scope: 'base', attributes: ['userPassword'] })).searchEntries[0]!.userPassword);
    assert.match(stored, /^\{SSHA512\}/);
    assert.ok(!stored.includes('bob-new-pass'));
    const c = await client(d);
    await c.bind(BOB, 'bob-new-pass');
    assert.equal(await resultCode(c.bind(BOB, 'bob-pass')), 49);
  });

  it('adds, modifies, renames and deletes with the result codes of RFC 4511', async () => {
    const d = await start();
    const c = await client(d, CORP_ADMIN);
    const dan = 'uid=dan,ou=people,dc=corp,dc=example';
    const person = { objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'], uid: 'dan', cn: 'Dan Dunn', sn: 'Dunn', mail: 'dan@corp.example' };
    await c.add(dan, person);
    assert.equal(await resultCode(c.add(dan, person)), 68);
    assert.equal(await resultCode(c.add('uid=dan,ou=nowhere,dc=corp,dc=example', person)), 32);
    assert.equal(await resultCode(c.add('uid=zed,ou=people,dc=corp,dc=example', { uid: 'zed', cn: 'Zed', sn: 'Z' })), 65);
    assert.equal(await resultCode(c.add('cn=x,o=elsewhere', { objectClass: 'person', cn: 'x', sn: 'x' })), 32);

    const add = (type: string, ...values: string[]) => new Change({ operation: 'add', modification: new Attribute({ type, values }) });
    const del = (type: string, ...values: string[]) => new Change({ operation: 'delete', modification: new Attribute({ type, values }) });
    await c.modify(dan, add('telephoneNumber', '+1 555 0104'));
    assert.equal(await resultCode(c.modify(dan, add('telephoneNumber', '+1 555 0104'))), 20);
    assert.equal(await resultCode(c.modify(dan, del('mobile'))), 16);
    assert.equal(await resultCode(c.modify(dan, del('uid', 'dan'))), 67);
    assert.equal(await resultCode(c.modify('uid=ghost,ou=people,dc=corp,dc=example', add('cn', 'x'))), 32);

    assert.equal(await c.compare(dan, 'mail', 'DAN@corp.example'), true);
    assert.equal(await c.compare(dan, 'mail', 'dan@elsewhere'), false);
    assert.equal(await resultCode(c.compare(dan, 'mobile', 'x')), 16);

    await c.modifyDN(dan, 'uid=daniel');
    const daniel = (await c.search('uid=daniel,ou=people,dc=corp,dc=example', { scope: 'base', attributes: ['uid'] })).searchEntries[0]!;
    assert.equal(daniel.uid, 'daniel', 'the old RDN value was deleted');
    await c.modifyDN('uid=daniel,ou=people,dc=corp,dc=example', 'uid=daniel,ou=groups,dc=corp,dc=example');
    assert.equal(await resultCode(c.search(dan, { scope: 'base' })), 32);
    assert.equal(await resultCode(c.modifyDN('uid=daniel,ou=groups,dc=corp,dc=example', 'uid=alice,ou=people,dc=corp,dc=example')), 68);

    assert.equal(await resultCode(c.del(PEOPLE)), 66);
    await c.del('uid=daniel,ou=groups,dc=corp,dc=example');
    assert.equal(await resultCode(c.del('uid=daniel,ou=groups,dc=corp,dc=example')), 32);
  });

  it('keeps the old RDN value when ldapmodrdn is not told to delete it', async () => {
    const d = await start();
    await run('ldapmodrdn', ['-x', '-H', d.url, '-D', CORP_ADMIN.dn, '-w', CORP_ADMIN.password, 'cn=staff,ou=groups,dc=corp,dc=example', 'cn=everyone']);
    const c = await client(d);
    const group = (await c.search('cn=everyone,ou=groups,dc=corp,dc=example', { scope: 'base', attributes: ['cn', 'member'] })).searchEntries[0]!;
    assert.deepEqual([...(group.cn as string[])].sort(), ['everyone', 'staff']);
    assert.equal((group.member as string[]).length, 4);
  });

  it("moves modifyTimestamp and the suffix's contextCSN forward on every write", async () => {
    const d = await start();
    const c = await client(d, CORP_ADMIN);
    const read = async () => {
      const [alice, suffix] = await Promise.all([
        c.search(ALICE, { scope: 'base', attributes: ['modifyTimestamp', 'createTimestamp'] }),
        c.search('dc=corp,dc=example', { scope: 'base', attributes: ['contextCSN'] }),
      ]);
      const entry = alice.searchEntries[0]!;
      return { modifyTimestamp: String(entry.modifyTimestamp), createTimestamp: String(entry.createTimestamp), csn: String(suffix.searchEntries[0]!.contextCSN) };
    };
    const before = await read();
    await c.modify(ALICE, new Change({ operation: 'replace', modification: new Attribute({ type: 'description', values: ['changed'] }) }));
    const after = await read();
    assert.ok(after.csn > before.csn, `${after.csn} after ${before.csn}`);
    assert.ok(after.modifyTimestamp >= before.modifyTimestamp);
    assert.equal(after.createTimestamp, before.createTimestamp);
    const changed = await c.search('dc=corp,dc=example', { filter: `(modifyTimestamp>=${after.modifyTimestamp})`, attributes: ['1.1'] });
    assert.ok(dns(changed.searchEntries).includes(ALICE), 'a poller finds the change by modifyTimestamp');
  });

  it("is found by OpenLDAP's ldapsearch", async () => {
    const d = await start();
    const { stdout } = await run('ldapsearch', ['-x', '-LLL', '-H', d.url, '-b', 'dc=corp,dc=example', '(uid=alice)']);
    assert.match(stdout, /^dn: uid=alice,ou=people,dc=corp,dc=example$/m);
    assert.match(stdout, /^mail: alice@corp\.example$/m);
    assert.doesNotMatch(stdout, /userPassword/);
  });

  it('keeps every change across a restart on the same data directory', async () => {
    const dataDir = tempDir();
    const first = await start(dataDir);
    const c = await client(first, CORP_ADMIN);
    const photo = Buffer.from([0xff, 0xd8, 0x00, 0x80, 0xfe, 0xff, 0xd9]);
    await c.add('uid=erin,ou=people,dc=corp,dc=example', [
      new Attribute({ type: 'objectClass', values: ['person', 'inetOrgPerson'] }),
      new Attribute({ type: 'uid', values: ['erin'] }),
      new Attribute({ type: 'cn', values: ['Erin'] }),
      new Attribute({ type: 'sn', values: ['E'] }),
      new Attribute({ type: 'jpegPhoto', values: [photo] }),
    ]);
    await c.modify(ALICE, new Change({ operation: 'replace', modification: new Attribute({ type: 'telephoneNumber', values: ['+1 555 0111'] }) }));
    await c.modifyDN('uid=carol,ou=people,dc=corp,dc=example', 'uid=caroline');
    await c.del('cn=admins,ou=groups,dc=corp,dc=example');
    const uuid = (await c.search(ALICE, { scope: 'base', attributes: ['entryUUID'] })).searchEntries[0]!.entryUUID;
    await c.unbind();
    await first.close();

    const second = await start(dataDir);
    const r = await client(second, CORP_ADMIN);
    const erin = (await r.search('uid=erin,ou=people,dc=corp,dc=example', { scope: 'base', explicitBufferAttributes: ['jpegPhoto'] })).searchEntries[0]!;
    assert.deepEqual(erin.jpegPhoto, photo);
    const alice = (await r.search(ALICE, { scope: 'base', attributes: ['telephoneNumber', 'entryUUID'] })).searchEntries[0]!;
    assert.equal(alice.telephoneNumber, '+1 555 0111');
    assert.equal(alice.entryUUID, uuid);
    assert.equal(await resultCode(r.search('uid=carol,ou=people,dc=corp,dc=example', { scope: 'base' })), 32);
    assert.equal((await r.search('uid=caroline,ou=people,dc=corp,dc=example', { scope: 'base' })).searchEntries.length, 1);
    assert.equal(await resultCode(r.search('cn=admins,ou=groups,dc=corp,dc=example', { scope: 'base' })), 32);
    await r.bind(ALICE, 'alice-pass');
  });

  it('keeps an answered write when the process stops without closing (a crash)', async () => {
    const dataDir = tempDir();
    const crashed = await start(dataDir);
    const c = await client(crashed, CORP_ADMIN);
    await c.modify(BOB, new Change({ operation: 'add', modification: new Attribute({ type: 'mobile', values: ['+1 555 0222'] }) }));
    // Nothing is closed or flushed: a second directory reads the same files at once, as a restarted process would.
    const restarted = await start(dataDir);
    const r = await client(restarted);
    const bob = (await r.search(BOB, { scope: 'base', attributes: ['mobile'] })).searchEntries[0]!;
    assert.equal(bob.mobile, '+1 555 0222');
  });

  it('refuses a critical control it does not know with unavailableCriticalExtension (12)', async () => {
    const d = await start();
    const out = await run('ldapsearch', ['-x', '-H', d.url, '-b', ALICE, '-s', 'base', '-e', '!1.2.3.4.5.6']).then(
      () => assert.fail('ldapsearch should fail'),
      (e: { code: number; stdout: string }) => e,
    );
    assert.equal(out.code, 12);
  });

  it('finds a binary value by equality', async () => {
    const d = await start();
    const c = await client(d);
    const { searchEntries } = await c.search('dc=corp,dc=example', { filter: new EqualityFilter({ attribute: 'jpegPhoto', value: photoFromLdif() }), attributes: ['1.1'] });
    assert.deepEqual(dns(searchEntries), [ALICE]);
  });

  it('refuses to start on seed LDIF it cannot load, naming the file', async () => {
    const dir = tempDir();
    const ldif = path.join(dir, 'broken.ldif');
    fs.writeFileSync(ldif, 'dn: dc=corp,dc=example\nobjectClass: dcObject\ndc: corp\n\ndn: uid=x,ou=missing,dc=corp,dc=example\nobjectClass: person\nuid: x\n');
    const config = demoConfig();
    config.suffixes[0]!.ldif = ldif;
    await assert.rejects(start(path.join(dir, 'data'), config), (err: Error & { code?: string }) =>
      err.code === 'ERR_CONFIG_INVALID' && /broken\.ldif/.test(err.message) && /ou=missing,dc=corp,dc=example/.test(err.message));
    config.suffixes[0]!.ldif = path.join(dir, 'absent.ldif');
    await assert.rejects(start(path.join(dir, 'data2'), config), (err: Error) => /absent\.ldif/.test(err.message) && /ENOENT/.test(err.message));
  });

  it('fails to start with the port named when the port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await assert.rejects(start(tempDir(), demoConfig(port)), (err: Error) => err.message.includes(String(port)));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
