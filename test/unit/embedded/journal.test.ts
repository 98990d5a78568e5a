import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DirgateError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import type { Entry } from '../../../src/directory/model.js';
import { Dit } from '../../../src/directory/embedded/dit.js';
import { formatDn, keyOf } from '../../../src/directory/embedded/dn.js';
import { SuffixStore, suffixSlug } from '../../../src/directory/embedded/journal.js';

const ADMIN = 'cn=admin,o=x';
const PHOTO = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x80, 0xc3, 0x28, 0xff, 0xd9]);
const SEED: Entry[] = [
  { dn: 'o=x', attributes: [{ type: 'objectClass', values: ['organization'] }, { type: 'o', values: ['x'] }] },
  { dn: 'uid=alice,o=x', attributes: [{ type: 'objectClass', values: ['person'] }, { type: 'uid', values: ['alice'] }, { type: 'jpegPhoto', values: [PHOTO] }] },
];

describe('the embedded directory journal', () => {
  let dataDir: string;
  const stores: SuffixStore[] = [];
  beforeEach(() => { dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dirgate-journal-')); });
  afterEach(() => {
    for (const s of stores.splice(0)) s.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  let seedCalls = 0;
  function open(seed: Entry[] = SEED): SuffixStore {
    const store = SuffixStore.open({ dataDir, dit: new Dit('o=x'), seed: () => { seedCalls += 1; return seed; }, seedActor: ADMIN, log: silentLogger() });
    stores.push(store);
    return store;
  }
  const journalText = (s: SuffixStore) => fs.readFileSync(s.journalFile, 'utf8');

  it('names its files after the suffix', () => {
    assert.equal(suffixSlug('dc=corp,dc=example'), 'dc-corp.dc-example');
    assert.equal(suffixSlug('O=HR'), 'o-hr');
    const s = open();
    assert.equal(path.basename(s.journalFile), 'o-x.journal');
    assert.equal(path.dirname(s.journalFile), path.join(dataDir, 'embedded'));
  });

  it('seeds only when the data directory has nothing for the suffix', () => {
    seedCalls = 0;
    open().close();
    open().close();
    assert.equal(seedCalls, 1);
  });

  it('writes each committed change as one JSON line before it returns, binary values in base64', () => {
    const s = open();
    assert.equal(journalText(s), '', 'compacted at start-up');
    const record = s.dit.planModify('uid=alice,o=x', [{ operation: 'add', attribute: { type: 'audio', values: [Buffer.from([0, 1, 254])] } }], ADMIN);
    s.commit(record);
    const lines = journalText(s).trimEnd().split('\n');
    assert.equal(lines.length, 1);
    const json = JSON.parse(lines[0]!);
    assert.equal(json.op, 'put');
    assert.equal(json.seq, record.seq);
    const audio = json.entry.attrs.find(([t]: [string]) => t === 'audio');
    assert.deepEqual(audio[1], [{ b64: Buffer.from([0, 1, 254]).toString('base64') }]);
  });

  it('replays every kind of change after a restart, bytes and timestamps included', () => {
    const s = open();
    const dit = s.dit;
    s.commit(dit.planAdd({ dn: 'ou=people,o=x', attributes: [{ type: 'objectClass', values: ['organizationalUnit'] }, { type: 'ou', values: ['people'] }] }, ADMIN));
    s.commit(dit.planAdd({ dn: 'uid=bob,o=x', attributes: [{ type: 'objectClass', values: ['person'] }, { type: 'uid', values: ['bob'] }] }, ADMIN));
    s.commit(dit.planModifyDn('uid=alice,o=x', 'uid=alice', false, 'ou=people,o=x', ADMIN));
    s.commit(dit.planModify('uid=alice,ou=people,o=x', [{ operation: 'replace', attribute: { type: 'cn', values: ['Alice'] } }], ADMIN));
    s.commit(dit.planDelete('uid=bob,o=x'));
    const before = dit.get(keyOf('uid=alice,ou=people,o=x'))!;
    const csn = dit.contextCSN;
    s.close();

    const again = open();
    const alice = again.dit.get(keyOf('uid=alice,ou=people,o=x'))!;
    assert.ok(alice);
    assert.deepEqual(alice.attributes.get('jpegphoto')!.values, [PHOTO]);
    assert.deepEqual(alice.attributes.get('cn')!.values, ['Alice']);
    assert.deepEqual(alice.operational, before.operational);
    assert.equal(again.dit.get(keyOf('uid=bob,o=x')), undefined);
    assert.equal(again.dit.contextCSN, csn);
    assert.equal(again.dit.seq, dit.seq);
    assert.equal(journalText(again), '', 'the journal was folded into the snapshot');
  });

  it('keeps a change made by a process that never closed (a crash after the answer)', () => {
    const s = open();
    s.commit(s.dit.planModify('uid=alice,o=x', [{ operation: 'add', attribute: { type: 'mobile', values: ['+1 555'] } }], ADMIN));
    // No close(): a second store opens the same files, as a restarted process would.
    const after = open();
    assert.deepEqual(after.dit.get(keyOf('uid=alice,o=x'))!.attributes.get('mobile')!.values, ['+1 555']);
  });

  it('drops a last record cut short by a crash, which was never answered', () => {
    const s = open();
    s.commit(s.dit.planModify('uid=alice,o=x', [{ operation: 'add', attribute: { type: 'mobile', values: ['1'] } }], ADMIN));
    s.close();
    fs.appendFileSync(s.journalFile, '{"seq":99,"csn":"x","op":"del');
    const after = open();
    assert.deepEqual(after.dit.get(keyOf('uid=alice,o=x'))!.attributes.get('mobile')!.values, ['1']);
  });

  it('does not apply a journal twice when a crash came between writing the snapshot and emptying the journal', () => {
    const s = open();
    s.commit(s.dit.planModify('uid=alice,o=x', [{ operation: 'add', attribute: { type: 'mobile', values: ['1'] } }], ADMIN));
    s.commit(s.dit.planModify('uid=alice,o=x', [{ operation: 'add', attribute: { type: 'mobile', values: ['2'] } }], ADMIN));
    s.close();
    const leftover = journalText(s);
    open().close(); // writes a snapshot with both changes and empties the journal
    fs.writeFileSync(s.journalFile, leftover); // as if the emptying never happened
    const after = open();
    assert.deepEqual(after.dit.get(keyOf('uid=alice,o=x'))!.attributes.get('mobile')!.values, ['1', '2']);
  });

  it('refuses to start on a damaged journal line that is not the last one', () => {
    const s = open();
    s.commit(s.dit.planModify('uid=alice,o=x', [{ operation: 'add', attribute: { type: 'mobile', values: ['1'] } }], ADMIN));
    s.close();
    fs.writeFileSync(s.journalFile, `not json\n${journalText(s)}`);
    assert.throws(() => open(), (err: unknown) => err instanceof DirgateError && /o-x\.journal line 1/.test(err.message));
  });

  it('writes the snapshot parents first, so it loads without the journal', () => {
    const s = open();
    s.close();
    const lines = fs.readFileSync(s.snapshotFile, 'utf8').trimEnd().split('\n');
    assert.equal(JSON.parse(lines[0]!).format, 'dirgate-embedded-snapshot');
    assert.deepEqual(lines.slice(1).map((l) => JSON.parse(l).dn), ['o=x', 'uid=alice,o=x']);
    assert.equal(fs.readdirSync(path.dirname(s.snapshotFile)).filter((f) => f.includes('.tmp')).length, 0);
    assert.deepEqual([...open().dit.all()].map((e) => formatDn(e.dn)), ['o=x', 'uid=alice,o=x']);
  });
});
