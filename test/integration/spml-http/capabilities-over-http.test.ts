/**
 * Each SPML capability once over POST /spml, against two real slapd servers
 * (corp and hr, joined on mail), as the demo's `admin` with user credentials
 * (mobile-demo allows them); and the refusals a provisioning client meets.
 * After each write the sources are read directly.
 */
import assert from 'node:assert/strict';
import { corpPerson, hrPerson, kids, readSource, sourceStrings } from '../dsml/dsml-client.js';
import { startDsmlSystem, type DsmlSystem } from '../dsml/system.js';
import {
  ASYNC_NS, BATCH_NS, dataXml, describe as describeResponse, envelope, failedWith, postSpml, psoIdXml, psosOf, SEARCH_NS,
  SPML_NS, spmlResponseOf, succeeded,
} from './spml-client.js';

const ADMIN = { user: 'admin', secret: 'admin-pass' };
const PEOPLE = 'ou=people,o=example';

describe('SPML capabilities over HTTP (two slapd sources)', function () {
  this.timeout(30_000);
  let system: DsmlSystem;
  /** As admin, or as someone else, or (null) with no credentials at all. */
  const spml = (request: string, as: { user: string; secret: string } | null = ADMIN) => postSpml(system, as ?? undefined, envelope(request));

  before(async () => { system = await startDsmlSystem({ directory: 'slapd' }); });
  after(async () => { await system?.close(); });

  function person(uid: string, mail: string, extra: Record<string, string[]> = {}): string {
    return dataXml({ objectClass: ['inetOrgPerson'], uid: [uid], cn: [`${uid} Example`], sn: ['Example'], mail: [mail], ...extra });
  }

  it('lists the people and groups targets with their DSML-profile schema and capabilities', async () => {
    const r = succeeded(await spml('<spml:listTargetsRequest %NS% requestID="lt"/>'), 'listTargetsResponse');
    const targets = kids(r.el, 'target', SPML_NS);
    assert.deepEqual(targets.map((t) => t.attrs.get('targetID')).sort(), ['groups', 'people']);
    const people = targets.find((t) => t.attrs.get('targetID') === 'people')!;
    assert.equal(people.attrs.get('profile'), 'urn:oasis:names:tc:SPML:2:0:DSML');
    const capabilities = kids(kids(people, 'capabilities', SPML_NS)[0]!, 'capability', SPML_NS).map((c) => c.attrs.get('namespaceURI'));
    for (const ns of [SEARCH_NS, 'urn:oasis:names:tc:SPML:2:0:password', 'urn:oasis:names:tc:SPML:2:0:suspend']) assert.ok(capabilities.includes(ns), `people offers ${ns}`);
  });

  it('looks up a joined person with attributes from both sources', async () => {
    const r = succeeded(await spml(`<spml:lookupRequest %NS% requestID="lk" returnData="data">${psoIdXml(`uid=alice,${PEOPLE}`)}</spml:lookupRequest>`), 'lookupResponse');
    const [pso] = psosOf(r.el);
    assert.deepEqual(pso?.data.get('mail'), ['alice@corp.example']);
    const hrTitle = await sourceStrings(await system.source('hr'), hrPerson('alice@corp.example'), 'title');
    assert.ok(hrTitle?.length, 'hr holds a title for alice');
    assert.deepEqual(pso?.data.get('title'), hrTitle);
    assert.ok(!pso?.data.has('userpassword'), 'no password in PSO data');
  });

  it('modifies with dsml:modification and with modificationMode data, each attribute in the source that owns it', async () => {
    const corp = await system.source('corp');
    const hr = await system.source('hr');
    succeeded(await spml(`<spml:modifyRequest %NS% requestID="m1" returnData="identifier">${psoIdXml(`uid=bob,${PEOPLE}`)}`
      + '<spml:modification><dsml:modification name="telephoneNumber" operation="replace"><dsml:value>+1 555 0199</dsml:value></dsml:modification></spml:modification>'
      + '</spml:modifyRequest>'), 'modifyResponse');
    assert.deepEqual(await sourceStrings(corp, corpPerson('bob'), 'telephoneNumber'), ['+1 555 0199']);

    const r = succeeded(await spml(`<spml:modifyRequest %NS% requestID="m2" returnData="data">${psoIdXml(`uid=bob,${PEOPLE}`)}`
      + `<spml:modification modificationMode="replace">${dataXml({ title: ['Chief Tester'] })}</spml:modification>`
      + '</spml:modifyRequest>'), 'modifyResponse');
    assert.deepEqual(psosOf(r.el)[0]?.data.get('title'), ['Chief Tester']);
    assert.deepEqual(await sourceStrings(hr, hrPerson('bob@corp.example'), 'title'), ['Chief Tester']);
    assert.deepEqual(await sourceStrings(corp, corpPerson('bob'), 'title'), []);
  });

  it('searches a page at a time with an iterator, then closes it', async () => {
    const first = succeeded(await spml('<spmlsearch:searchRequest %NS% requestID="s" maxSelect="1" returnData="identifier">'
      + '<spmlsearch:query targetID="people" scope="subTree"><dsml:filter><dsml:present name="uid"/></dsml:filter></spmlsearch:query>'
      + '</spmlsearch:searchRequest>'), 'searchResponse');
    assert.equal(psosOf(first.el).length, 1);
    const iterator = kids(first.el, 'iterator', SEARCH_NS)[0]?.attrs.get('ID');
    assert.ok(iterator, 'more matches than maxSelect: an iterator');

    const next = succeeded(await spml(`<spmlsearch:iterateRequest %NS% requestID="it"><spmlsearch:iterator ID="${iterator}"/></spmlsearch:iterateRequest>`), 'iterateResponse');
    const nextPsos = psosOf(next.el);
    assert.equal(nextPsos.length, 1);
    assert.notEqual(nextPsos[0]!.id, psosOf(first.el)[0]!.id, 'the next page holds the next PSO');
    const still = kids(next.el, 'iterator', SEARCH_NS)[0]?.attrs.get('ID');
    assert.ok(still, 'the demo has more than two people: the iterator goes on');

    succeeded(await spml(`<spmlsearch:closeIteratorRequest %NS% requestID="cl"><spmlsearch:iterator ID="${still}"/></spmlsearch:closeIteratorRequest>`), 'closeIteratorResponse');
    failedWith(await spml(`<spmlsearch:iterateRequest %NS% requestID="it2"><spmlsearch:iterator ID="${still}"/></spmlsearch:iterateRequest>`), 'iterateResponse', 'invalidIdentifier');
  });

  it('runs a batch in order, going on past a failure with onError="resume"', async () => {
    const batch = spmlResponseOf(await spml(`<spmlbatch:batchRequest %NS% requestID="b" processing="sequential" onError="resume">`
      + `<spml:addRequest requestID="b1" targetID="people" returnData="identifier">${person('gina', 'gina@corp.example')}</spml:addRequest>`
      + `<spml:addRequest requestID="b2" targetID="people" returnData="identifier">${person('alice', 'alice@corp.example')}</spml:addRequest>`
      + `<spml:addRequest requestID="b3" targetID="people" returnData="identifier">${person('hugo', 'hugo@corp.example')}</spml:addRequest>`
      + '</spmlbatch:batchRequest>'));
    assert.equal(batch.el.ns, BATCH_NS);
    assert.equal(batch.kind, 'batchResponse');
    // One request failed, so the batch did: its message says how many.
    assert.equal(batch.status, 'failure');
    assert.match(batch.errorMessage ?? '', /1 of 3/);
    const inner = batch.el.children.filter((c) => c.ns === SPML_NS && c.local.endsWith('Response')).map(describeResponse);
    assert.deepEqual(inner.map((x) => [x.requestID, x.status, x.error]), [['b1', 'success', undefined], ['b2', 'failure', 'alreadyExists'], ['b3', 'success', undefined]]);
    const corp = await system.source('corp');
    assert.deepEqual(await sourceStrings(corp, corpPerson('gina'), 'mail'), ['gina@corp.example']);
    assert.deepEqual(await sourceStrings(corp, corpPerson('hugo'), 'mail'), ['hugo@corp.example']);
  });

  it('answers an asynchronous add with pending, and statusRequest with its result', async () => {
    const pending = spmlResponseOf(await spml(`<spml:addRequest %NS% requestID="async-ivy" executionMode="asynchronous" targetID="people" returnData="identifier">${
      person('ivy', 'ivy@corp.example', { employeeNumber: ['E-9'] })}</spml:addRequest>`));
    assert.equal(pending.kind, 'addResponse');
    assert.equal(pending.status, 'pending');
    assert.equal(pending.requestID, 'async-ivy');

    // Poll until the job has finished: the only waiting here is on the job itself (the bound is
    // generous, for a loaded machine; the statusResponse itself says pending until then).
    let status;
    const giveUpAt = Date.now() + 30_000;
    for (;;) {
      status = spmlResponseOf(await spml('<spmlasync:statusRequest %NS% requestID="st" asyncRequestID="async-ivy" returnResults="true"/>'));
      if (status.status !== 'pending' || Date.now() > giveUpAt) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(status.kind, 'statusResponse');
    assert.equal(status.status, 'success', 'the job finished');
    assert.equal(status!.el.ns, ASYNC_NS);
    const result = status!.el.children.filter((c) => c.ns === SPML_NS && c.local === 'addResponse')[0];
    assert.ok(result, 'returnResults="true": the add response is inside');
    assert.equal(result.attrs.get('status'), 'success');
    assert.equal(psosOf(result).length, 1);
    assert.deepEqual(await sourceStrings(await system.source('corp'), corpPerson('ivy'), 'cn'), ['ivy Example']);
    assert.deepEqual(await sourceStrings(await system.source('hr'), hrPerson('ivy@corp.example'), 'employeeNumber'), ['E-9']);
  });

  it('refuses alice, who has no provision right, and writes nothing', async () => {
    const r = await spml(`<spml:addRequest %NS% requestID="x" targetID="people">${person('mallory', 'mallory@corp.example')}</spml:addRequest>`, { user: 'alice', secret: 'alice-pass' });
    // Refused in SPML's own form: an addResponse with status="failure", nothing written.
    assert.equal(r.status, 200);
    failedWith(r, 'addResponse', 'customError');
    assert.equal(await readSource(await system.source('corp'), corpPerson('mallory')), undefined);
  });

  it('asks for credentials when there are none', async () => {
    const r = await spml('<spml:listTargetsRequest %NS% requestID="lt"/>', null);
    assert.equal(r.status, 401);
    assert.match(String(r.headers['www-authenticate']), /^Basic /);
  });

  it('answers malformed SPML with malformedRequest and a message', async () => {
    const r = failedWith(await spml('<spml:lookupRequest %NS% requestID="bad"/>'), 'lookupResponse', 'malformedRequest');
    assert.ok(r.errorMessage, 'a message says what is wrong');
  });

  it('answers a duplicate add with alreadyExists and leaves the entry as it was', async () => {
    const corp = await system.source('corp');
    const before = await sourceStrings(corp, corpPerson('carol'), 'cn');
    failedWith(await spml(`<spml:addRequest %NS% requestID="dup" targetID="people">${person('carol', 'carol@corp.example')}</spml:addRequest>`), 'addResponse', 'alreadyExists');
    assert.deepEqual(await sourceStrings(corp, corpPerson('carol'), 'cn'), before);
  });

  it('answers an unknown psoID with noSuchIdentifier', async () => {
    failedWith(await spml(`<spml:lookupRequest %NS% requestID="unk">${psoIdXml('00000000-0000-4000-8000-000000000000')}</spml:lookupRequest>`), 'lookupResponse', 'noSuchIdentifier');
    failedWith(await spml(`<spml:deleteRequest %NS% requestID="unk2">${psoIdXml(`uid=nobody,${PEOPLE}`)}</spml:deleteRequest>`), 'deleteResponse', 'noSuchIdentifier');
  });
});
