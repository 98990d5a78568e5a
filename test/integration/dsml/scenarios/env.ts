/**
 * What every DSML-over-HTTP scenario gets: the running system, and a place to
 * put each answer it received. The default suite drops them; the conformance
 * suite (test/dsml/http) keeps them and validates each against the OASIS
 * schema at the end.
 */
import assert from 'node:assert/strict';
import { answersOf } from '../dsml-client.js';
import { basicHeader, type DsmlSystem, type HttpAnswer } from '../system.js';

export interface ScenarioEnv {
  system(): DsmlSystem;
  record(name: string, answer: HttpAnswer): void;
}

export const ADMIN = { authorization: basicHeader('admin', 'admin-pass') };
export const ALICE = { authorization: basicHeader('alice', 'alice-pass') };

/** POSTs to /dsml and records the answer under `name`. */
export async function post(env: ScenarioEnv, name: string, body: string | Buffer, headers: Record<string, string | null> = ADMIN): Promise<HttpAnswer> {
  const answer = await env.system().post(body, headers);
  env.record(name, answer);
  return answer;
}

let serial = 0;
/**
 * A uid for an entry a test creates: `t-` then the label and a serial, so
 * scenarios sharing a system never collide, and searches over the demo
 * people can leave such entries out.
 */
export function fresh(label: string): string {
  serial += 1;
  return `t-${label}-${process.pid}-${serial}`;
}

export const DEMO_PEOPLE = ['admin', 'alice', 'bob', 'carol'];

/** The demo people among the uids (entries tests made are named t-...). */
export function demoOnly(uids: string[]): string[] {
  return uids.filter((u) => !u.startsWith('t-'));
}

/**
 * The firewall's answer to a batch holding an element outside the
 * application's access.operations (authRequest by design, unknown elements
 * because no allow-list names them): the whole batch
 * refused with one errorResponse, in the request's form, nothing run.
 */
export function assertRefusedByFirewall(answer: HttpAnswer): void {
  assert.equal(answer.status, 200);
  const { answers } = answersOf(answer.body);
  assert.deepEqual(answers.map((a) => [a.kind, a.errorType, a.message]), [['errorResponse', 'other', 'an operation is not allowed for the application']]);
}
