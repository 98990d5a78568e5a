/**
 * Batch semantics over HTTP: processing sequential/parallel, responseOrder
 * sequential/unordered, onError exit/resume, requestIDs echoed verbatim. What
 * was not attempted is checked at the source: it left no trace.
 */
import assert from 'node:assert/strict';
import {
  ANY, addRequest, answerFor, answersOf, batch, corpPerson, equality, modifyRequest, person, readSource, searchRequest, soap11, xmlText,
} from '../dsml-client.js';
import { fresh, post, type ScenarioEnv } from './env.js';

function addOf(id: string, uid: string): string {
  return addRequest(id, person(uid), { objectClass: ['inetOrgPerson'], uid: [uid], cn: [uid], sn: ['Batch'], mail: [`${uid}@corp.example`] });
}

/** A modify of an entry that does not exist: noSuchObject (32), an error for onError. */
const failing = (id: string) => modifyRequest(id, person('nobody-here'), [['replace', 'description', ['x']]]);
const reading = (id: string) => searchRequest(id, person('bob'), ANY, { scope: 'baseObject', attributes: ['uid'] });

export function batchModeScenarios(env: ScenarioEnv): void {
  it('sequential, onError="exit": stops at the first error; what follows gets no response and is not done', async () => {
    const uid = fresh('exit');
    const r = await post(env, 'sequential-exit', soap11(batch(reading('1') + failing('2') + addOf('3', uid), 'processing="sequential" responseOrder="sequential" onError="exit"')));
    const { answers } = answersOf(r.body);
    assert.deepEqual(answers.map((a) => [a.requestID, a.resultCode]), [['1', 0], ['2', 32]]);
    assert.equal(await readSource(await env.system().source('corp'), corpPerson(uid)), undefined);
  });

  it('sequential, onError="resume": every operation is answered in order and done', async () => {
    const uid = fresh('resume');
    const r = await post(env, 'sequential-resume', soap11(batch(reading('1') + failing('2') + addOf('3', uid), 'processing="sequential" onError="resume"')));
    assert.deepEqual(answersOf(r.body).answers.map((a) => [a.requestID, a.kind, a.resultCode]), [['1', 'searchResponse', 0], ['2', 'modifyResponse', 32], ['3', 'addResponse', 0]]);
    assert.ok(await readSource(await env.system().source('corp'), corpPerson(uid)));
  });

  it('parallel, responseOrder="sequential": answers come in request order', async () => {
    const ids = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
    const ops = ids.map((id, i) => (i % 2 ? searchRequest(id, 'ou=people,o=example', equality('uid', ['alice', 'bob', 'carol'][i % 3]!), { attributes: ['uid'] }) : reading(id))).join('');
    const r = await post(env, 'parallel-sequential', soap11(batch(ops, 'processing="parallel" responseOrder="sequential" onError="resume"')));
    assert.deepEqual(answersOf(r.body).answers.map((a) => [a.requestID, a.resultCode]), ids.map((id) => [id, 0]));
  });

  it('parallel, responseOrder="unordered": each request answered once, matched by requestID; one without an id is malformed', async () => {
    const ids = ['u1', 'u2', 'u3', 'u4', 'u5'];
    const r = await post(env, 'parallel-unordered', soap11(batch(
      ids.map(reading).join('') + failing('u6') + searchRequest('', person('bob'), ANY, { scope: 'baseObject' }).replace(' requestID=""', ''),
      'processing="parallel" responseOrder="unordered" onError="resume"',
    )));
    const { answers } = answersOf(r.body);
    assert.equal(answers.length, 7);
    assert.deepEqual(answers.filter((a) => a.requestID).map((a) => a.requestID).sort(), [...ids, 'u6']);
    for (const id of ids) assert.equal(answerFor(r.body, id).resultCode, 0);
    assert.equal(answerFor(r.body, 'u6').resultCode, 32);
    const anonymous = answers.filter((a) => a.requestID === undefined);
    assert.deepEqual(anonymous.map((a) => [a.kind, a.errorType]), [['errorResponse', 'malformedRequest']]);
  });

  it('parallel, onError="exit": after the error nothing new starts; each request answered once, notAttempted ones left no trace', async () => {
    // More operations than run at once (dsml.parallelism, 8 by default), the first failing.
    const uids = Array.from({ length: 14 }, () => fresh('par'));
    const ops = failing('f') + uids.map((u, i) => addOf(`a${i}`, u)).join('');
    const r = await post(env, 'parallel-exit', soap11(batch(ops, 'processing="parallel" responseOrder="sequential" onError="exit"')));
    const { answers } = answersOf(r.body);
    assert.deepEqual(answers.map((a) => a.requestID), ['f', ...uids.map((_, i) => `a${i}`)], 'every operation answered once, in order');
    assert.equal(answers[0]!.resultCode, 32);
    const corp = await env.system().source('corp');
    for (const [i, uid] of uids.entries()) {
      const a = answers[i + 1]!;
      const there = await readSource(corp, corpPerson(uid));
      if (a.kind === 'errorResponse') {
        assert.equal(a.errorType, 'notAttempted');
        assert.equal(there, undefined, `${uid} was answered notAttempted but exists`);
      } else {
        assert.deepEqual([a.kind, a.resultCode], ['addResponse', 0]);
        assert.ok(there, `${uid} was answered success but is not in the source`);
      }
    }
  });

  it('requestIDs come back verbatim, on the batch and on every response and search result', async () => {
    const odd = ' 7 <&> "quoted" ';
    const r = await post(env, 'request-ids', soap11(batch(
      searchRequest('s&amp;1', person('alice'), ANY, { scope: 'baseObject', attributes: ['uid'] })
      + `<compareRequest requestID="&#x20;c " dn="${person('bob')}"><assertion name="uid"><value>bob</value></assertion></compareRequest>`,
      `requestID="${xmlText(odd)}"`,
    )));
    const { requestID, answers } = answersOf(r.body);
    assert.equal(requestID, odd);
    assert.deepEqual(answers.map((a) => a.requestID), ['s&1', ' c ']);
    assert.equal(answers[0]!.entries[0]!.requestID, 's&1');
  });
}
