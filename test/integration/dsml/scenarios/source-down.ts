/**
 * A source that is down, as DSML clients see it (DESIGN section 3, "Errors"):
 * errorResponse couldNotConnect, or the LDAP result unavailable (52) when
 * other sources answered; never authenticationFailed, never a server's own
 * words, host names or addresses. Each scenario expects the named source to
 * be down already (the suite stops it).
 */
import assert from 'node:assert/strict';
import { ANY, answerFor, equality, batch, corpPerson, modifyRequest, person, searchRequest, soap11, sourceStrings, uidsOf } from '../dsml-client.js';
import type { HttpAnswer } from '../system.js';
import { post, type ScenarioEnv } from './env.js';

/** Nothing that names the inside: addresses, ports, URLs, socket errors, stack frames. */
export function assertNothingInside(answer: HttpAnswer): void {
  assert.doesNotMatch(answer.body, /127\.0\.0\.1|localhost|ldaps?:\/\/|ECONNREFUSED|ETIMEDOUT|socket|slapd|\bat [\w.<>]+ \(|\.ts:\d+/i);
}

/** With hr down: a write or a search that needs hr cannot be done whole; what corp keeps still can be read. */
export function hrDownScenarios(env: ScenarioEnv): void {
  it('a write of an attribute hr keeps answers couldNotConnect, and corp is left as it was', async () => {
    const r = await post(env, 'hr-down-modify', soap11(batch(
      modifyRequest('m', person('bob'), [['replace', 'title', ['Chief Support Engineer']], ['replace', 'description', ['promoted']]]),
    )));
    assert.equal(r.status, 200);
    const a = answerFor(r.body, 'm');
    assert.deepEqual([a.kind, a.errorType, a.message], ['errorResponse', 'couldNotConnect', 'the directory could not be reached']);
    assertNothingInside(r);
    assert.deepEqual(await sourceStrings(await env.system().source('corp'), corpPerson('bob'), 'description'), [], 'no half-done write in corp');
  });

  it('a search that needs hr gives what corp has and ends with unavailable (52); one that does not succeeds', async () => {
    const r = await post(env, 'hr-down-search', soap11(batch(
      searchRequest('needs-hr', person('bob'), ANY, { scope: 'baseObject', attributes: ['uid', 'title'] })
      + searchRequest('corp-only', 'ou=people,o=example', equality('uid', 'bob'), { attributes: ['uid', 'cn'] }),
      'onError="resume"',
    )));
    const needsHr = answerFor(r.body, 'needs-hr');
    assert.deepEqual([needsHr.kind, needsHr.resultCode, needsHr.descr], ['searchResponse', 52, 'unavailable']);
    assert.deepEqual(uidsOf(needsHr), ['bob']);
    const corpOnly = answerFor(r.body, 'corp-only');
    assert.deepEqual([corpOnly.resultCode, uidsOf(corpOnly)], [0, ['bob']]);
    assertNothingInside(r);
  });
}

/** With hr down: answers that depend on whether hr is needed at all. */
export function hrDownExactAnswerScenarios(env: ScenarioEnv): void {
  it('a base-object search for what corp alone keeps succeeds, as the same entry found one level down does', async () => {
    const r = await post(env, 'hr-down-base', soap11(batch(searchRequest('base', person('bob'), ANY, { scope: 'baseObject', attributes: ['uid', 'cn'] }))));
    const a = answerFor(r.body, 'base');
    assert.deepEqual([a.resultCode, a.descr, uidsOf(a)], [0, 'success', ['bob']]);
  });

  it('a compare of an attribute hr keeps cannot be answered: couldNotConnect or unavailable, not "no such attribute"', async () => {
    const r = await post(env, 'hr-down-compare', soap11(batch(`<compareRequest requestID="c" dn="${person('bob')}"><assertion name="title"><value>Support Engineer</value></assertion></compareRequest>`)));
    const a = answerFor(r.body, 'c');
    assert.ok(a.errorType === 'couldNotConnect' || a.resultCode === 52, `got ${a.kind} ${a.errorType ?? `${a.resultCode} ${a.descr}`}`);
  });
}

/** With corp down: the users' own source, where user credentials are checked. */
export function corpDownScenarios(env: ScenarioEnv): void {
  it('user credentials that cannot be checked answer couldNotConnect in a 200 batchResponse, never authenticationFailed', async () => {
    const r = await post(env, 'corp-down', soap11(batch(searchRequest('s', person('bob'), ANY, { scope: 'baseObject', attributes: ['uid'] }))));
    assertNothingInside(r);
    assert.equal(r.status, 200, `HTTP ${r.status}: ${r.body.slice(0, 200)}`);
    const a = answerFor(r.body, 's');
    assert.deepEqual([a.kind, a.errorType], ['errorResponse', 'couldNotConnect']);
  });
}
