import assert from 'node:assert/strict';
import { spmlOnSlapd } from './helpers/on-slapd.js';
import { attr, createHarness, find, statusOf, testSpmlConfig, type Harness } from './helpers/harness.js';
import type { Directory } from '../../../src/directory/model.js';
import { SpmlJobTable } from '../../../src/spml/jobs.js';
import type { XmlElement } from '../../../src/spml/xml.js';

/** The real directory, with adds held at a gate the test opens: lets a test look at a job mid-way. */
function gated(real: Directory): { directory: Directory; holdAfter(n: number): void; release(): void; held: Promise<void> } {
  let remaining = Infinity;
  let open: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  let reached: () => void = () => undefined;
  const state = {
    held: Promise.resolve(),
    holdAfter(n: number) {
      remaining = n;
      gate = new Promise((r) => { open = r; });
      state.held = new Promise((r) => { reached = r; });
    },
    release() { open(); },
    directory: {
      ...real,
      search: real.search.bind(real),
      modify: real.modify.bind(real),
      delete: real.delete.bind(real),
      async add(req, ctx) {
        if (remaining-- <= 0) {
          reached();
          await gate;
        }
        return real.add(req, ctx);
      },
    } as Directory,
  };
  return state;
}

const person = (uid: string, requestID?: string) => `<spml:addRequest targetID="people" returnData="identifier"${requestID ? ` requestID="${requestID}"` : ''}><spml:data>
  <dsml:attr name="objectClass"><dsml:value>inetOrgPerson</dsml:value></dsml:attr>
  <dsml:attr name="uid"><dsml:value>${uid}</dsml:value></dsml:attr>
  <dsml:attr name="cn"><dsml:value>${uid}</dsml:value></dsml:attr>
  <dsml:attr name="sn"><dsml:value>${uid}</dsml:value></dsml:attr></spml:data></spml:addRequest>`;

const nested = (res: XmlElement) => res.children.filter((c) => c.local.endsWith('Response'));

describe('SPML batch and async capabilities against slapd', function () {
  this.timeout(20000);
  const ldap = spmlOnSlapd();
  let g: ReturnType<typeof gated>;
  let h: Harness;
  const exists = async (uid: string) => (await ldap.readAsAdmin(`uid=${uid},ou=people,o=example`)) !== undefined;

  beforeEach(() => {
    g = gated(ldap.directory);
    h = createHarness(g.directory);
  });
  afterEach(async () => {
    g.release();
    await h.runtime.jobs.drain();
  });

  it('runs a sequential batch in order and answers each request in place', async () => {
    const res = await h.call(`<spmlbatch:batchRequest requestID="b1">${person('b1a', 'r1')}<spml:lookupRequest requestID="r2"><spml:psoID ID="uid=b1a,ou=people,o=example"/></spml:lookupRequest>${person('b1b', 'r3')}</spmlbatch:batchRequest>`);
    assert.equal(res.local, 'batchResponse');
    assert.equal(attr(res, 'status'), 'success', JSON.stringify(statusOf(res)));
    assert.deepEqual(nested(res).map((r) => [r.local, attr(r, 'requestID'), attr(r, 'status')]), [
      ['addResponse', 'r1', 'success'], ['lookupResponse', 'r2', 'success'], ['addResponse', 'r3', 'success'],
    ]);
    assert.ok(await exists('b1b'));
  });

  it('stops at the first failure with onError="exit" (the default) and goes on with "resume"', async () => {
    const exit = await h.call(`<spmlbatch:batchRequest>${person('b2a')}${person('b2a')}${person('b2b')}</spmlbatch:batchRequest>`);
    assert.equal(attr(exit, 'status'), 'failure');
    assert.deepEqual(nested(exit).map((r) => attr(r, 'error') ?? attr(r, 'status')), ['success', 'alreadyExists']);
    assert.match(statusOf(exit).messages.join(' '), /1 of 3 requests were not attempted/);
    assert.equal(await exists('b2b'), false);

    const resume = await h.call(`<spmlbatch:batchRequest onError="resume">${person('b2a')}${person('b2b')}</spmlbatch:batchRequest>`);
    assert.deepEqual(nested(resume).map((r) => attr(r, 'error') ?? attr(r, 'status')), ['alreadyExists', 'success']);
    assert.ok(await exists('b2b'));
  });

  it('runs a parallel batch and still answers in request order', async () => {
    const uids = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
    const res = await h.call(`<spmlbatch:batchRequest processing="parallel">${uids.map((u) => person(u, `id-${u}`)).join('')}</spmlbatch:batchRequest>`);
    assert.equal(attr(res, 'status'), 'success', JSON.stringify(statusOf(res)));
    assert.deepEqual(nested(res).map((r) => attr(r, 'requestID')), uids.map((u) => `id-${u}`));
    for (const u of uids) assert.ok(await exists(u));
  });

  it('answers a batch inside a batch, and a duplicate requestID, as malformed', async () => {
    const inner = await h.call(`<spmlbatch:batchRequest onError="resume"><spmlbatch:batchRequest/>${person('b3a')}</spmlbatch:batchRequest>`);
    assert.deepEqual(nested(inner).map((r) => [r.local, attr(r, 'error') ?? attr(r, 'status')]), [['batchResponse', 'malformedRequest'], ['addResponse', 'success']]);
    const dup = await h.call(`<spmlbatch:batchRequest>${person('b3b', 'x')}${person('b3c', 'x')}</spmlbatch:batchRequest>`);
    assert.deepEqual([attr(dup, 'status'), attr(dup, 'error')], ['failure', 'malformedRequest']);
    assert.equal(await exists('b3b'), false, 'a malformed batch runs nothing');
  });

  it('answers an asynchronous add with pending, then its result through statusRequest', async () => {
    const pending = await h.call(person('a1', 'job1').replace('<spml:addRequest', '<spml:addRequest executionMode="asynchronous"'));
    assert.deepEqual([pending.local, attr(pending, 'status'), attr(pending, 'requestID')], ['addResponse', 'pending', 'job1']);
    await h.runtime.jobs.drain();
    assert.ok(await exists('a1'));
    const status = await h.call('<spmlasync:statusRequest asyncRequestID="job1" returnResults="true"/>');
    assert.deepEqual([status.local, attr(status, 'status'), attr(status, 'asyncRequestID')], ['statusResponse', 'success', 'job1']);
    assert.deepEqual(nested(status).map((r) => [r.local, attr(r, 'status'), attr(r, 'requestID')]), [['addResponse', 'success', 'job1']]);
    const brief = await h.call('<spmlasync:statusRequest asyncRequestID="job1"/>');
    assert.equal(nested(brief).length, 0, 'without returnResults only the status');
    assert.equal(h.audit.find((e) => e.operation === 'add')?.asynchronous, true);
  });

  it('gives an asynchronous request without requestID one, and refuses a requestID in use', async () => {
    const a = await h.call('<spml:listTargetsRequest executionMode="asynchronous"/>');
    const id = attr(a, 'requestID')!;
    assert.match(id, /^req[A-Za-z0-9_-]+$/);
    g.holdAfter(0);
    await h.call(person('a2', 'same').replace('<spml:addRequest', '<spml:addRequest executionMode="asynchronous"'));
    const again = await h.call(person('a3', 'same').replace('<spml:addRequest', '<spml:addRequest executionMode="asynchronous"'));
    assert.deepEqual([attr(again, 'status'), attr(again, 'error')], ['failure', 'malformedRequest']);
  });

  it('shows the progress of an asynchronous batch of adds while it runs', async () => {
    g.holdAfter(2);
    const uids = ['q1', 'q2', 'q3', 'q4', 'q5'];
    const pending = await h.call(`<spmlbatch:batchRequest requestID="bulk" executionMode="asynchronous">${uids.map((u) => person(u)).join('')}</spmlbatch:batchRequest>`);
    assert.equal(attr(pending, 'status'), 'pending');
    await g.held;
    const mid = await h.call('<spmlasync:statusRequest asyncRequestID="bulk" returnResults="true"/>');
    assert.equal(attr(mid, 'status'), 'pending');
    const progress = nested(mid)[0]!;
    assert.deepEqual([progress.local, attr(progress, 'status')], ['batchResponse', 'pending']);
    assert.equal(nested(progress).length, 2, 'two of five adds done');
    g.release();
    await h.runtime.jobs.drain();
    const done = await h.call('<spmlasync:statusRequest asyncRequestID="bulk" returnResults="true"/>');
    assert.equal(attr(done, 'status'), 'success');
    assert.equal(nested(nested(done)[0]!).length, 5);
    for (const u of uids) assert.ok(await exists(u));
  });

  it('cancels a running asynchronous batch: what ran stays, the rest does not run', async () => {
    g.holdAfter(1);
    await h.call(`<spmlbatch:batchRequest requestID="c1" executionMode="asynchronous">${['c1a', 'c1b', 'c1c'].map((u) => person(u)).join('')}</spmlbatch:batchRequest>`);
    await g.held;
    const cancel = await h.call('<spmlasync:cancelRequest asyncRequestID="c1"/>');
    assert.deepEqual([cancel.local, attr(cancel, 'status'), attr(cancel, 'asyncRequestID')], ['cancelResponse', 'success', 'c1']);
    g.release();
    await h.runtime.jobs.drain();
    const status = await h.call('<spmlasync:statusRequest asyncRequestID="c1" returnResults="true"/>');
    assert.equal(attr(status, 'status'), 'failure');
    const batch = nested(status)[0]!;
    assert.match(statusOf(batch).messages.join(' '), /cancelled/);
    assert.ok(await exists('c1a'));
    assert.equal(await exists('c1c'), false);
    const late = await h.call('<spmlasync:cancelRequest asyncRequestID="c1"/>');
    assert.deepEqual([attr(late, 'status'), attr(late, 'asyncRequestID')], ['failure', 'c1']);
  });

  it('keeps asynchronous requests to their owner: others get noSuchRequest', async () => {
    await h.call('<spml:listTargetsRequest requestID="mine" executionMode="asynchronous"/>', { sessionId: 'one' });
    await h.runtime.jobs.drain();
    const other = await h.call('<spmlasync:statusRequest asyncRequestID="mine"/>', { sessionId: 'two' });
    assert.deepEqual([attr(other, 'status'), attr(other, 'error')], ['failure', 'noSuchRequest']);
    const cancel = await h.call('<spmlasync:cancelRequest asyncRequestID="mine"/>', { sessionId: 'two' });
    assert.equal(attr(cancel, 'error'), 'noSuchRequest');
    const all = await h.call('<spmlasync:statusRequest/>', { sessionId: 'one' });
    assert.deepEqual(nested(all).map((r) => [r.local, attr(r, 'requestID'), attr(r, 'status')]), [['listTargetsResponse', 'mine', 'success']]);
  });

  it('refuses asynchronous execution when it is switched off', async () => {
    const off = createHarness(ldap.directory, testSpmlConfig({ async: { enabled: false, maxJobs: 10, maxRunning: 1, resultTtlSeconds: 60 } }));
    const res = await off.call('<spml:listTargetsRequest executionMode="asynchronous"/>');
    assert.deepEqual([attr(res, 'status'), attr(res, 'error')], ['failure', 'unsupportedOperation']);
    const caps = find(await off.call('<spml:listTargetsRequest/>'), 'capability').map((c) => attr(c, 'namespaceURI'));
    assert.ok(!caps.includes('urn:oasis:names:tc:SPML:2:0:async'));
  });
});

describe('the asynchronous job table', () => {
  const pending = (requestID: string) => ({ kind: 'delete' as const, status: 'pending' as const, requestID, errorMessages: [] });
  const done = async () => ({ kind: 'delete' as const, status: 'success' as const, errorMessages: [] });

  it('refuses a job beyond maxRunning while the others run', async () => {
    const jobs = new SpmlJobTable({ maxJobs: 10, maxRunning: 1, resultTtlMs: 1000 });
    let finish: () => void = () => undefined;
    jobs.start('me', pending('a'), () => new Promise((r) => { finish = () => r({ kind: 'delete', status: 'success', errorMessages: [] }); }));
    assert.throws(() => jobs.start('me', pending('b'), done), /already running/);
    finish();
    await jobs.drain();
    jobs.start('me', pending('b'), done);
    await jobs.drain();
    assert.equal(jobs.get('me', 'b')?.state, 'done');
  });

  it('forgets a finished job after the result TTL and the oldest finished one when full', async () => {
    let now = 0;
    const jobs = new SpmlJobTable({ maxJobs: 2, maxRunning: 2, resultTtlMs: 1000, now: () => now });
    jobs.start('me', pending('a'), done);
    await jobs.drain();
    now = 10;
    jobs.start('me', pending('b'), done);
    await jobs.drain();
    jobs.start('me', pending('c'), done);
    await jobs.drain();
    assert.equal(jobs.get('me', 'a'), undefined, 'evicted as the oldest finished');
    assert.ok(jobs.get('me', 'b'));
    now = 2000;
    assert.equal(jobs.get('me', 'b'), undefined, 'expired');
    assert.equal(jobs.size, 0);
  });
});
