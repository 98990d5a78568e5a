/**
 * What every DSML-over-HTTP scenario gets: the running system, and a place to
 * put each answer it received. The default suite drops them; the conformance
 * suite (test/dsml/http) keeps them and validates each against the OASIS
 * schema at the end.
 */
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
