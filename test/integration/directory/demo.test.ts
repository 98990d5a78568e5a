/**
 * The demo as `dirgate start` runs it: the embedded directory seeded from
 * fixtures/demo, the demo configuration's sources and views. What the README
 * promises of the demo is checked here.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { buildConfig, DEMO_CONFIG } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/types.js';
import { DirgateError, LDAP_RESULT } from '../../../src/errors.js';
import { startEmbeddedDirectory, type EmbeddedDirectory } from '../../../src/directory/embedded/index.js';
import { createVirtualDirectory, rdn, type VirtualDirectory } from '../../../src/directory/index.js';
import { createLdapSource } from '../../../src/directory/sources/index.js';
import type { LdapSource } from '../../../src/directory/sources/types.js';
import { byDn, ctx, log, search, values } from './harness.js';

/** An entry read from a source directly (not through the view). */
async function collect(source: LdapSource, dn: string) {
  const out = [];
  try {
    for await (const ev of source.search({ baseDN: dn, scope: 'base', derefAliases: 'never', sizeLimit: 0, timeLimit: 0, typesOnly: false, filter: { type: 'present', attribute: 'objectClass' }, attributes: [], controls: [] })) {
      if (ev.kind === 'entry') out.push(ev.entry);
    }
  } catch (err) {
    if (!(err instanceof DirgateError && err.code === 'ERR_NO_SUCH_OBJECT')) throw err;
  }
  return out;
}

describe('virtual directory: the demo configuration over the embedded directory', function () {
  this.timeout(60_000);
  let dataDir: string;
  let config: Readonly<Config>;
  let embedded: EmbeddedDirectory;
  let sources: Map<string, LdapSource>;
  let vd: VirtualDirectory;

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'dirgate-demo-'));
    const raw = YAML.parse(await readFile(DEMO_CONFIG, 'utf8')) as Record<string, any>;
    raw.dataDir = dataDir;
    raw.embedded.port = 0;
    config = buildConfig(raw, { baseDir: path.dirname(DEMO_CONFIG), env: {} });
    embedded = await startEmbeddedDirectory(config.embedded!, { dataDir, log });
    sources = new Map(config.sources.map((s) => [s.name, createLdapSource(s, { log, embeddedUrl: embedded.url })]));
    vd = createVirtualDirectory(config, { log, sources, background: false });
  });

  after(async () => {
    await vd?.close();
    for (const s of sources?.values() ?? []) await s.close();
    await embedded?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("answers ou=people,o=example with alice's mail from corp and title from hr in one entry", async () => {
    const { entries, result } = await search(vd, 'ou=people,o=example', '(objectClass=inetOrgPerson)');
    assert.equal(result.resultCode, LDAP_RESULT.success);
    assert.deepEqual(entries.map((e) => e.dn).sort(), ['admin', 'alice', 'bob', 'carol'].map((u) => `uid=${u},ou=people,o=example`));
    const alice = byDn(entries, 'uid=alice,ou=people,o=example');
    assert.deepEqual(values(alice, 'mail'), ['alice@corp.example']);
    assert.deepEqual(values(alice, 'title'), ['Engineer']);
    assert.deepEqual(values(alice, 'employeeNumber'), ['1001']);
    assert.deepEqual(values(alice, 'manager'), ['uid=carol,ou=people,o=example']);
    const photo = alice!.attributes.find((a) => a.type === 'jpegPhoto')!.values[0]!;
    assert.ok(Buffer.isBuffer(photo) && photo[0] === 0xff && photo[1] === 0xd8);
  });

  it('answers the demo filter over joined attributes', async () => {
    const { entries } = await search(vd, 'o=example', '(&(departmentNumber=42)(mail=*@corp.example))', { attributes: ['uid'] });
    assert.deepEqual(entries.map((e) => values(e, 'uid')[0]).sort(), ['alice', 'bob', 'carol']);
  });

  it('shows dave, who is only in hr, nowhere in the view and as an orphan on the unresolved list', async () => {
    const { entries } = await search(vd, 'o=example', '(mail=dave@corp.example)');
    assert.deepEqual(entries, []);
    await vd.reconcile();
    assert.deepEqual(vd.unresolved().map((i) => [i.reason, i.view, i.branch, i.source, i.sourceDn, i.correlationValue]), [
      ['orphan', 'o=example', 'people', 'hr', 'mail=dave@corp.example,ou=people,o=hr', 'dave@corp.example'],
    ]);
  });

  it('maps the corp groups with members in the view', async () => {
    const { entries } = await search(vd, 'cn=admins,ou=groups,o=example', '(objectClass=*)', { scope: 'base' });
    assert.deepEqual(values(entries[0], 'member'), ['uid=admin,ou=people,o=example']);
  });

  it('adds a person to corp with an hr record named by mail (provisioned), and deletes both', async () => {
    const dn = 'uid=gina,ou=people,o=example';
    await vd.add({ dn, attributes: [
      { type: 'objectClass', values: ['inetOrgPerson'] }, { type: 'cn', values: ['Gina'] }, { type: 'sn', values: ['G'] },
      { type: 'mail', values: ['gina@corp.example'] }, { type: 'title', values: ['Designer'] },
    ], controls: [] }, ctx);
    const hrEntry = await collect(sources.get('hr')!, 'mail=gina@corp.example,ou=people,o=hr');
    assert.deepEqual(values(hrEntry[0], 'title'), ['Designer']);
    const { entries } = await search(vd, dn, '(objectClass=*)', { scope: 'base' });
    assert.deepEqual([values(entries[0], 'mail'), values(entries[0], 'title')], [['gina@corp.example'], ['Designer']]);
    await vd.delete({ dn, controls: [] }, ctx);
    assert.deepEqual(await collect(sources.get('hr')!, 'mail=gina@corp.example,ou=people,o=hr'), []);
    await assert.rejects(search(vd, dn, '(objectClass=*)', { scope: 'base' }), (e: unknown) => e instanceof DirgateError && e.code === 'ERR_NO_SUCH_OBJECT');
  });

  it('logs alice in by user name and password', async () => {
    const alice = await vd.resolveUser('alice');
    assert.equal(await vd.bind(alice!.dn, 'alice-pass', ctx), 'uid=alice,ou=people,o=example');
  });

  it('keeps entries of the extended profile under ou=dirgate, creating containers as needed', async () => {
    const profile = vd.profile!;
    const id = 'c2Vzc2lvbi0x';
    const rel = `${rdn('cn', id)},ou=sessions`;
    assert.equal(await profile.put(rel, [{ type: 'objectClass', values: ['top', 'applicationProcess'] }, { type: 'description', values: ['session of alice'] }]), 'created');
    assert.equal(await profile.put(rel, [{ type: 'description', values: ['renewed'] }]), 'updated');
    assert.deepEqual(values(await profile.get(rel), 'description'), ['renewed']);
    const listed = [];
    for await (const e of profile.search('ou=sessions')) listed.push(e.dn);
    assert.deepEqual(listed, [`cn=${id},ou=sessions,ou=dirgate,dc=corp,dc=example`]);
    assert.equal(await profile.delete('ou=sessions', { subtree: true }), true);
    assert.equal(await profile.get(rel), undefined);
    // The profile is not part of the view's namespace.
    await assert.rejects(search(vd, 'ou=dirgate,o=example', '(objectClass=*)', { scope: 'base' }), /no such object/);
  });
});
