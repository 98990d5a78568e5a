/**
 * Requests exactly as .NET's System.DirectoryServices.Protocols
 * DsmlSoapHttpConnection writes them (test/dsml/dotnet: its SOAP 1.1 prefix
 * `se:`, the DSML default namespace on the Body and the batchRequest, the
 * batch attributes it always writes, `xml:space="preserve"`, base64 values,
 * the Microsoft session headers), sent as it sends them (no Content-Type,
 * SOAPAction "#batchRequest", credentials only once challenged), and the
 * answers read the way DsmlResponseDocument reads them.
 *
 * One departure: .NET cannot add HTTP headers, but dirgate needs
 * X-Dirgate-App to know the application (docs/interop.md, "what is not
 * covered"); the system's post() adds it.
 */
import assert from 'node:assert/strict';
import { dsmlConfig } from '../../../../src/dsml/config.js';
import { encodePaged, decodePaged } from '../../../../src/directory/paged-results.js';
import {
  DOTNET_HEADERS, XSI_NS, corpPerson, dotnetRead, dotnetRequest, faultOf, kid, kids, readSource, valueBytes,
} from '../dsml-client.js';
import { ADMIN, post, type ScenarioEnv } from './env.js';

const AS_DOTNET = { ...DOTNET_HEADERS, ...ADMIN };

/** BeginSession as .NET does it: challenged first, then sent again with the credentials. */
export async function beginSession(env: ScenarioEnv, name: string): Promise<string> {
  const challenged = await post(env, `${name}-challenged`, dotnetRequest('begin-session'), DOTNET_HEADERS);
  assert.equal(challenged.status, 401);
  assert.match(String(challenged.headers['www-authenticate']), /^Basic /, '.NET answers a Basic challenge when AuthType is Basic');
  const r = await post(env, name, dotnetRequest('begin-session'), AS_DOTNET);
  assert.equal(r.status, 200);
  const { batchResponse, sessionId } = dotnetRead(r.body);
  assert.equal(batchResponse.children.length, 0, 'the empty batchRequest has an empty answer');
  assert.ok(sessionId && sessionId.length >= 16, 'the SessionID .NET reads from se:Header/ad:Session');
  return sessionId;
}

export async function endSession(env: ScenarioEnv, name: string, sessionId: string): Promise<void> {
  const r = await post(env, name, dotnetRequest('end-session', { SessionID: sessionId }), AS_DOTNET);
  assert.equal(r.status, 200, '.NET treats anything but success as the session gone with an error');
  assert.equal(dotnetRead(r.body).sessionId, sessionId);
}

async function sessionGone(env: ScenarioEnv, name: string, sessionId: string): Promise<void> {
  const r = await post(env, name, dotnetRequest('paged-search-in-session', { SessionID: sessionId, PageControl: encodePaged({ size: 2, cookie: Buffer.alloc(0) }).toString('base64') }), AS_DOTNET);
  assert.equal(r.status, 400);
  assert.deepEqual(faultOf(r.body), { version: '1.1', code: 'Client', text: 'the DSML session is unknown or has expired', detail: false });
}

/**
 * A search in the session: the paged-search request with its control made
 * non-critical (.NET's `IsCritical = false`), which a directory without paging
 * may ignore, so these scenarios test the session and not paging.
 */
function inSession(sessionId: string): string {
  return dotnetRequest('paged-search-in-session', { SessionID: sessionId, PageControl: encodePaged({ size: 1000, cookie: Buffer.alloc(0) }).toString('base64') })
    .replace('criticality="true"', 'criticality="false"');
}

export function dotnetScenarios(env: ScenarioEnv): void {
  it('a search for a binary attribute: .NET finds se:Body/dsml:batchResponse, the literal xsd:base64Binary and the exact bytes', async () => {
    const r = await post(env, 'dotnet-search-binary', dotnetRequest('search-binary'), AS_DOTNET);
    assert.equal(r.status, 200);
    const { batchResponse } = dotnetRead(r.body);
    const entry = kid(kid(batchResponse, 'searchResponse'), 'searchResultEntry');
    const attrs = new Map(kids(entry, 'attr').map((a) => [a.attrs.get('name'), kids(a, 'value')]));
    assert.equal(attrs.get('cn')![0]!.text, 'Alice Anderson');
    const photo = attrs.get('jpegPhoto')![0]!;
    assert.equal(photo.attrs.get(`{${XSI_NS}}type`), 'xsd:base64Binary');
    const stored = (await readSource(await env.system().source('corp'), corpPerson('alice'), ['jpegPhoto']))!.get('jpegphoto')!;
    assert.deepEqual([valueBytes(photo)], stored);
  });

  it('a modify with xml:space="preserve" and a base64Binary value reaches the source as meant; a compare answers compareTrue', async () => {
    const r = await post(env, 'dotnet-modify', dotnetRequest('modify-preserve'), AS_DOTNET);
    assert.equal(kid(kid(dotnetRead(r.body).batchResponse, 'modifyResponse'), 'resultCode').attrs.get('code'), '0');
    const stored = await readSource(await env.system().source('corp'), corpPerson('alice'), ['description', 'mobile']);
    assert.deepEqual(stored!.get('description')!.map(String), ['  two leading, one trailing ']);
    assert.deepEqual(stored!.get('mobile')!.map(String), ['+1 555 0199']);
    const c = await post(env, 'dotnet-compare', dotnetRequest('compare'), AS_DOTNET);
    assert.equal(kid(kid(dotnetRead(c.body).batchResponse, 'compareResponse'), 'resultCode').attrs.get('code'), '6');
  });

  it('BeginSession, Session, EndSession: every answer carries the session header; after EndSession the session is gone (Client fault, 400)', async () => {
    const id = await beginSession(env, 'dotnet-begin');
    const c = await post(env, 'dotnet-in-session', inSession(id), AS_DOTNET);
    assert.equal(c.status, 200);
    assert.equal(dotnetRead(c.body).sessionId, id);
    await endSession(env, 'dotnet-end', id);
    await sessionGone(env, 'dotnet-after-end', id);
  });
}

/**
 * A paged search (RFC 2696) continued across SOAP requests in one session,
 * page after page until the cookie is empty, as a .NET client loops on
 * PageResultResponseControl.Cookie.
 */
export function dotnetPagedScenario(env: ScenarioEnv): void {
  it('a paged search continues across SOAP requests in a session until the cookie is empty', async () => {
    const id = await beginSession(env, 'dotnet-paged-begin');
    const seen: string[] = [];
    let cookie: Buffer = Buffer.alloc(0);
    for (let page = 0; page < 10; page++) {
      const r = await post(env, `dotnet-paged-${page}`, dotnetRequest('paged-search-in-session', { SessionID: id, PageControl: encodePaged({ size: 2, cookie }).toString('base64') }), AS_DOTNET);
      assert.equal(r.status, 200);
      const { batchResponse, sessionId } = dotnetRead(r.body);
      assert.equal(sessionId, id);
      const response = kid(batchResponse, 'searchResponse');
      const done = kid(response, 'searchResultDone');
      assert.equal(kid(done, 'resultCode').attrs.get('code'), '0', kids(done, 'errorMessage')[0]?.text);
      const entries = kids(response, 'searchResultEntry');
      assert.ok(entries.length <= 2, 'no more than the page size');
      seen.push(...entries.map((e) => e.attrs.get('dn')!));
      const control = kids(done, 'control').find((c) => c.attrs.get('type') === '1.2.840.113556.1.4.319');
      assert.ok(control, 'each page carries the paged-results control');
      cookie = decodePaged(valueBytes(kid(control, 'controlValue')))!.cookie;
      if (cookie.length === 0) break;
    }
    assert.equal(cookie.length, 0, 'the last page has an empty cookie');
    assert.equal(new Set(seen).size, seen.length, 'no entry twice');
    for (const uid of ['admin', 'alice', 'bob', 'carol']) assert.ok(seen.includes(`uid=${uid},ou=people,o=example`), uid);
    await endSession(env, 'dotnet-paged-end', id);
  });
}

/**
 * The idle limit of [MS-DSML] sessions, on the system's clock (a gateway the
 * test started itself: not through the firewall, whose parts run on their own clocks).
 */
export function dotnetIdleScenario(env: ScenarioEnv): void {
  it('a session left idle past dsml.sessions.idleSeconds is gone; each use restarts its clock', async () => {
    const idle = dsmlConfig(env.system().config.dsml).sessions.idleSeconds;
    const id = await beginSession(env, 'dotnet-idle-begin');
    const use = (name: string) => post(env, name, inSession(id), AS_DOTNET);
    env.system().clock.advance(idle - 1);
    assert.equal((await use('dotnet-idle-used')).status, 200);
    env.system().clock.advance(idle - 1);
    assert.equal((await use('dotnet-idle-used-again')).status, 200, 'the previous use restarted the idle clock');
    env.system().clock.advance(idle);
    await sessionGone(env, 'dotnet-idle-expired', id);
  });
}
