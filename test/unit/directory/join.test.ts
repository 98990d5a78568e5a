import assert from 'node:assert/strict';
import type { Entry } from '../../../src/directory/model.js';
import { DirgateError } from '../../../src/errors.js';
import { DnRewriter } from '../../../src/directory/view/dn-rewrite.js';
import { formatFilter } from '../../../src/directory/view/filter-text.js';
import { joinBatch, linkFor, toPrimaryItems, type Link } from '../../../src/directory/view/join.js';
import { UnresolvedList } from '../../../src/directory/view/unresolved.js';
import { compileDemo } from './helpers/views.js';

const person = (uid: string, mail?: string): Entry => ({
  dn: `uid=${uid},ou=people,dc=corp,dc=example`,
  attributes: [{ type: 'objectClass', values: ['inetOrgPerson'] }, { type: 'uid', values: [uid] }, ...(mail ? [{ type: 'mail', values: [mail] }] : [])],
});
const hrRecord = (mail: string, title: string, extra: Entry['attributes'] = []): Entry => ({
  dn: `mail=${mail},ou=people,o=hr`,
  attributes: [{ type: 'mail', values: [mail] }, { type: 'title', values: [title] }, { type: 'employeeID', values: ['1'] }, { type: 'cn', values: ['not owned'] }, ...extra],
});

function setup(hr: Entry[], opts: { required?: boolean } = {}) {
  const views = compileDemo();
  const b = views[0]!.branches[0]!;
  b.contributors[0]!.required = opts.required ?? false;
  const unresolved = new UnresolvedList(() => new Date('2024-01-01T00:00:00Z'));
  const lookups: string[] = [];
  const run = (primaries: Entry[], fetch?: (link: Link) => Promise<Entry[]>) => joinBatch(toPrimaryItems(b, new DnRewriter(views), primaries), {
    branch: b,
    links: [linkFor(b, b.contributors[0]!)!],
    rewriter: new DnRewriter(views),
    unresolved,
    isUnavailableError: (e) => e instanceof DirgateError && e.code === 'ERR_COULD_NOT_CONNECT',
    onUnavailable: () => { lookups.push('unavailable'); },
    fetch: fetch ?? (async (link, tuples) => { lookups.push(formatFilter(link.lookup(tuples))); return hr; }),
  });
  return { b, unresolved, lookups, run };
}

describe('the join of primary entries with contributor entries', () => {
  it("puts alice's mail from corp and title from hr in one entry, with one lookup per batch", async () => {
    const { run, lookups } = setup([hrRecord('alice@corp.example', 'Engineer'), hrRecord('bob@corp.example', 'Support')]);
    const [alice, bob] = await run([person('alice', 'Alice@Corp.Example'), person('bob', 'bob@corp.example')]);
    assert.equal(alice!.entry.dn, 'uid=alice,ou=people,o=example');
    assert.deepEqual(alice!.entry.attributes.find((a) => a.type === 'mail')!.values, ['Alice@Corp.Example']);
    assert.deepEqual(alice!.entry.attributes.find((a) => a.type === 'title')!.values, ['Engineer']);
    assert.deepEqual(alice!.entry.attributes.find((a) => a.type === 'employeeNumber')!.values, ['1']);
    assert.ok(!alice!.entry.attributes.some((a) => a.type === 'cn' && a.values[0] === 'not owned'));
    assert.deepEqual(bob!.entry.attributes.find((a) => a.type === 'title')!.values, ['Support']);
    assert.equal(lookups.length, 1);
    assert.equal(lookups[0], '(&(objectClass=inetOrgPerson)(|(mail=Alice@Corp.Example)(mail=bob@corp.example)))');
    assert.deepEqual(alice!.keys, ['alice@corp.example']);
    assert.equal(alice!.partners.get('contributor:0'), 'mail=alice@corp.example,ou=people,o=hr');
  });

  it('never merges an identity that matches two contributor entries, and lists it', async () => {
    const { run, unresolved } = setup([hrRecord('alice@corp.example', 'Engineer'), { ...hrRecord('ALICE@corp.example', 'Impostor'), dn: 'cn=dup,ou=people,o=hr' }]);
    const [alice] = await run([person('alice', 'alice@corp.example')]);
    assert.ok(!alice!.entry.attributes.some((a) => a.type === 'title'));
    const [item] = unresolved.list();
    assert.equal(item!.reason, 'contributor-ambiguous');
    assert.equal(item!.virtualDn, 'uid=alice,ou=people,o=example');
    assert.equal(item!.otherSource, 'hr');
    assert.equal(item!.candidates!.length, 2);
    assert.ok(unresolved.isBlocked(compileDemo()[0]!.branches[0]!.id, 'contributor:0', 'alice@corp.example'));
  });

  it('never merges a contributor entry that two identities of the batch match', async () => {
    const { run, unresolved } = setup([hrRecord('shared@corp.example', 'Shared')]);
    const out = await run([person('ann', 'shared@corp.example'), person('bea', 'SHARED@corp.example')]);
    assert.ok(out.every((j) => !j.entry.attributes.some((a) => a.type === 'title')));
    assert.deepEqual(unresolved.list().map((i) => [i.reason, i.source, i.sourceDn]), [['primary-ambiguous', 'hr', 'mail=shared@corp.example,ou=people,o=hr']]);
  });

  it('lists an identity missing from a required contributor, and one without a correlation value', async () => {
    const { run, unresolved } = setup([], { required: true });
    const out = await run([person('carol', 'carol@corp.example'), person('admin')]);
    assert.equal(out.length, 2);
    assert.deepEqual(unresolved.list().map((i) => [i.reason, i.virtualDn]), [
      ['contributor-missing', 'uid=carol,ou=people,o=example'],
      ['correlation-value-missing', 'uid=admin,ou=people,o=example'],
    ]);
  });

  it('does not join a key the unresolved list has blocked', async () => {
    const { b, run, unresolved } = setup([hrRecord('alice@corp.example', 'Engineer')]);
    unresolved.add({ reason: 'primary-ambiguous', view: 'o=example', branch: 'people', source: 'hr', sourceDn: 'x', correlationValue: 'alice@corp.example' }, { branchId: b.id, partId: 'contributor:0' });
    const [alice] = await run([person('alice', 'alice@corp.example')]);
    assert.ok(!alice!.entry.attributes.some((a) => a.type === 'title'));
  });

  it('returns primary entries, marked incomplete, when the contributor is down', async () => {
    const { run, lookups } = setup([]);
    const out = await run([person('alice', 'alice@corp.example')], async () => { throw new DirgateError('ERR_COULD_NOT_CONNECT', 'down'); });
    assert.equal(out[0]!.complete, false);
    assert.equal(out[0]!.entry.dn, 'uid=alice,ou=people,o=example');
    assert.deepEqual(lookups, ['unavailable']);
  });

  it('rethrows contributor failures that are not unavailability', async () => {
    const { run } = setup([]);
    await assert.rejects(run([person('alice', 'alice@corp.example')], async () => { throw new DirgateError('ERR_INSUFFICIENT_ACCESS', 'no'); }), /no/);
  });

  it('skips primary entries that have no naming value', async () => {
    const { run } = setup([]);
    const out = await run([{ dn: 'cn=x,ou=people,dc=corp,dc=example', attributes: [{ type: 'cn', values: ['x'] }] }]);
    assert.equal(out.length, 0);
  });
});
