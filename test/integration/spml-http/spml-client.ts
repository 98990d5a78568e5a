/**
 * The client's side of the SPML-over-HTTP tests: requests written as text in
 * SOAP 1.1 envelopes (so each test shows what a provisioning client sends),
 * answers read back with the DSML tests' own namespace-aware parser (saxes),
 * never with dirgate's, and login searches of `ou=sessions,o=gateway` to see
 * what the mobile app sees.
 */
import assert from 'node:assert/strict';
import { answersOf, batch, kid, kids, parseDocument, searchRequest, soap11, SOAP11_NS, type El } from '../dsml/dsml-client.js';
import { basicHeader, type DsmlSystem, type HttpAnswer } from '../dsml/system.js';

export const SPML_NS = 'urn:oasis:names:tc:SPML:2:0';
export const SEARCH_NS = 'urn:oasis:names:tc:SPML:2:0:search';
export const PASSWORD_NS = 'urn:oasis:names:tc:SPML:2:0:password';
export const SUSPEND_NS = 'urn:oasis:names:tc:SPML:2:0:suspend';
export const BATCH_NS = 'urn:oasis:names:tc:SPML:2:0:batch';
export const ASYNC_NS = 'urn:oasis:names:tc:SPML:2:0:async';
const DSML_CORE = 'urn:oasis:names:tc:DSML:2:0:core';

/** Every prefix a request here uses, declared on the request element. */
export const XMLNS = `xmlns:spml="${SPML_NS}" xmlns:dsml="${DSML_CORE}" xmlns:spmlsearch="${SEARCH_NS}" `
  + `xmlns:spmlpass="${PASSWORD_NS}" xmlns:spmlsuspend="${SUSPEND_NS}" xmlns:spmlbatch="${BATCH_NS}" xmlns:spmlasync="${ASYNC_NS}"`;

export type Credentials = { user: string; secret: string } | undefined;

/** POST /spml as mobile-demo with Basic credentials (none when `as` is undefined). */
export function postSpml(system: DsmlSystem, as: Credentials, body: string): Promise<HttpAnswer> {
  const headers: Record<string, string> = { 'content-type': 'text/xml; charset=utf-8' };
  if (as) headers.authorization = basicHeader(as.user, as.secret);
  return system.post(body, headers, { path: '/spml' });
}

export function dataXml(attrs: Record<string, string[]>): string {
  return `<spml:data>${Object.entries(attrs).map(([n, vs]) => `<dsml:attr name="${n}">${vs.map((v) => `<dsml:value>${v}</dsml:value>`).join('')}</dsml:attr>`).join('')}</spml:data>`;
}

export function psoIdXml(id: string, target = 'people', prefix = 'spml'): string {
  return `<${prefix}:psoID ID="${id}" targetID="${target}"/>`;
}

/** Wraps one request element (written with the prefixes of XMLNS, `%NS%` standing for the declarations) in a SOAP 1.1 envelope. */
export function envelope(request: string): string {
  return soap11(request.replace('%NS%', XMLNS));
}

export interface SpmlAnswer {
  el: El;
  kind: string;
  status?: string;
  error?: string;
  errorMessage?: string;
  requestID?: string;
}

/** The one SPML response in the SOAP Body of a 200 answer. */
export function spmlResponseOf(answer: HttpAnswer): SpmlAnswer {
  assert.equal(answer.status, 200, answer.body);
  assert.match(String(answer.headers['content-type']), /^text\/xml/);
  const root = parseDocument(answer.body);
  assert.ok(root.local === 'Envelope' && root.ns === SOAP11_NS, `not a SOAP 1.1 envelope: <${root.local}>`);
  const inside = kid(root, 'Body', SOAP11_NS).children;
  assert.equal(inside.length, 1, 'exactly one element in the SOAP Body');
  return describe(inside[0]!);
}

export function describe(el: El): SpmlAnswer {
  const msg = kids(el, 'errorMessage', SPML_NS)[0];
  return {
    el, kind: el.local,
    ...(el.attrs.has('status') ? { status: el.attrs.get('status') } : {}),
    ...(el.attrs.has('error') ? { error: el.attrs.get('error') } : {}),
    ...(el.attrs.has('requestID') ? { requestID: el.attrs.get('requestID') } : {}),
    ...(msg ? { errorMessage: msg.text } : {}),
  };
}

/** Asserts a success and hands the response back. */
export function succeeded(answer: HttpAnswer, kind: string): SpmlAnswer {
  const r = spmlResponseOf(answer);
  assert.equal(r.kind, kind, answer.body);
  assert.equal(r.status, 'success', answer.body);
  return r;
}

/** Asserts a failure with that SPML error code and hands the response back. */
export function failedWith(answer: HttpAnswer, kind: string, error: string): SpmlAnswer {
  const r = spmlResponseOf(answer);
  assert.equal(r.kind, kind, answer.body);
  assert.equal(r.status, 'failure', answer.body);
  assert.equal(r.error, error, answer.body);
  return r;
}

/** The psoIDs of the PSOs in a response (`pso` in the core or the search namespace). */
export function psosOf(el: El): Array<{ id: string; target?: string; data: Map<string, string[]> }> {
  return [...kids(el, 'pso', SPML_NS), ...kids(el, 'pso', SEARCH_NS)].map((pso) => {
    const psoID = [...kids(pso, 'psoID', SPML_NS), ...kids(pso, 'psoID', SEARCH_NS)][0];
    assert.ok(psoID, 'a pso carries its psoID');
    const data = new Map<string, string[]>();
    for (const d of kids(pso, 'data', SPML_NS)) {
      for (const a of kids(d, 'attr', DSML_CORE)) data.set(a.attrs.get('name')!.toLowerCase(), kids(a, 'value', DSML_CORE).map((v) => v.text));
    }
    return { id: psoID.attrs.get('ID')!, ...(psoID.attrs.has('targetID') ? { target: psoID.attrs.get('targetID') } : {}), data };
  });
}

/**
 * The mobile app's login: a DSML search of `ou=sessions,o=gateway` with the
 * user's name and password. Resolves to the session's id and token, or to the
 * errorResponse type / resultCode descr of a refusal.
 */
export async function login(system: DsmlSystem, user: string, password: string): Promise<{ sessionId: string; sessionToken: string } | { refused: string }> {
  const r = await system.post(soap11(batch(searchRequest('login', 'ou=sessions,o=gateway', '<present name="objectClass"/>', { scope: 'baseObject' }))),
    { authorization: basicHeader(user, password) });
  assert.equal(r.status, 200, r.body);
  const a = answersOf(r.body).answers[0]!;
  if (a.kind === 'errorResponse') return { refused: a.errorType ?? 'errorResponse' };
  if (a.resultCode !== 0) return { refused: a.descr ?? String(a.resultCode) };
  const entry = a.entries[0];
  assert.ok(entry, 'the login answers with the session entry');
  const one = (n: string): string => entry.attrs.get(n)![0]!.toString('utf8');
  return { sessionId: one('sessionId'), sessionToken: one('sessionToken') };
}
