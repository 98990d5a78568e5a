/**
 * Value encodings over HTTP: xsd:string kept exactly (white space at either
 * end, line ends, markup characters, non-ASCII), xsd:base64Binary byte for
 * byte into the source and back, xsd:anyURI refused without anything being
 * fetched, and the demo's binary jpegPhoto returned base64 exactly as the
 * source holds it.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ANY, addRequest, answerFor, batch, corpPerson, modifyRequest, person, readSource, searchRequest, soap11, XSI_NS,
  batchResponseOf, kid, kids,
} from '../dsml-client.js';
import { DEMO_DIR } from '../system.js';
import { fresh, post, type ScenarioEnv } from './env.js';
import { addPerson } from './request-kinds.js';

/** alice's jpegPhoto as fixtures/demo/corp.ldif has it. */
function demoPhoto(): Buffer {
  const ldif = readFileSync(path.join(DEMO_DIR, 'corp.ldif'), 'utf8');
  const m = /^jpegPhoto:: (.*(?:\r?\n .*)*)/m.exec(ldif);
  return Buffer.from(m![1]!.replace(/\r?\n /g, ''), 'base64');
}

const STRINGS = ['  two leading, two trailing  ', '\tleading tab', 'trailing newline\n', 'cr\r\nlf', 'a<b & c>"d"\'e', 'Zoë 😀 日本', ']]>'];

export function valueScenarios(env: ScenarioEnv): void {
  it('xsd:string: white space at either end, line ends, markup and non-ASCII reach the source unchanged and come back so', async () => {
    const uid = await addPerson(env, 'strings');
    const r = await post(env, 'values-strings', soap11(batch(
      modifyRequest('m', person(uid), [['replace', 'description', STRINGS]])
      // xml:space="preserve" is what .NET adds to such values; it changes nothing.
      + `<modifyRequest requestID="m2" dn="${person(uid)}"><modification name="title" operation="replace"><value xml:space="preserve"> spaced title </value></modification></modifyRequest>`
      + searchRequest('s', person(uid), ANY, { scope: 'baseObject', attributes: ['description', 'title'] }),
    )));
    assert.equal(answerFor(r.body, 'm').resultCode, 0);
    assert.equal(answerFor(r.body, 'm2').resultCode, 0);
    const corp = await readSource(await env.system().source('corp'), corpPerson(uid), ['description']);
    assert.deepEqual(corp!.get('description')!.map((b) => b.toString('utf8')).sort(), [...STRINGS].sort());
    const entry = answerFor(r.body, 's').entries[0]!;
    assert.deepEqual(entry.attrs.get('description')!.map((b) => b.toString('utf8')).sort(), [...STRINGS].sort());
    assert.deepEqual(entry.attrs.get('title')!.map((b) => b.toString('utf8')), [' spaced title ']);
  });

  it('xsd:base64Binary: every byte value reaches the source and comes back byte for byte', async () => {
    const bytes = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7) % 256));
    const uid = fresh('binary');
    const r = await post(env, 'values-binary', soap11(batch(
      addRequest('a', person(uid), { objectClass: ['inetOrgPerson'], uid: [uid], cn: ['Binary'], sn: ['Binary'], mail: [`${uid}@corp.example`], jpegPhoto: [bytes] })
      + searchRequest('s', person(uid), ANY, { scope: 'baseObject', attributes: ['jpegPhoto'] }),
    )));
    assert.equal(answerFor(r.body, 'a').resultCode, 0, answerFor(r.body, 'a').errorMessage);
    const stored = await readSource(await env.system().source('corp'), corpPerson(uid), ['jpegPhoto']);
    assert.deepEqual(stored!.get('jpegphoto'), [bytes]);
    assert.deepEqual(answerFor(r.body, 's').entries[0]!.attrs.get('jpegPhoto'), [bytes]);
  });

  it('binary attributes come back as xsd:base64Binary, byte-exact with the source (alice\'s demo jpegPhoto)', async () => {
    const r = await post(env, 'values-jpeg', soap11(batch(searchRequest('s', person('alice'), ANY, { scope: 'baseObject', attributes: ['jpegPhoto'] }))));
    const value = kid(kid(kids(batchResponseOf(r.body), 'searchResponse')[0]!, 'searchResultEntry'), 'attr');
    const el = kid(value, 'value');
    assert.equal(el.attrs.get(`{${XSI_NS}}type`), 'xsd:base64Binary', 'the literal text .NET compares');
    const stored = (await readSource(await env.system().source('corp'), corpPerson('alice'), ['jpegPhoto']))!.get('jpegphoto')!;
    assert.deepEqual(answerFor(r.body, 's').entries[0]!.attrs.get('jpegPhoto'), stored);
    assert.deepEqual(stored, [demoPhoto()]);
  });

  it('xsd:anyURI: refused with errorResponse unresolvableURI, nothing fetched, nothing written', async () => {
    // A URI dirgate would reach if it ever fetched one: it must stay untouched.
    let fetched = 0;
    const bait = http.createServer((_req, res) => { fetched++; res.end('/9j/'); });
    await new Promise<void>((resolve) => bait.listen(0, '127.0.0.1', resolve));
    const uri = `http://127.0.0.1:${(bait.address() as { port: number }).port}/photo.jpg`;
    try {
      const uid = await addPerson(env, 'uri');
      const added = fresh('uri-add');
      const r = await post(env, 'values-anyuri', soap11(batch(
        `<addRequest requestID="a" dn="${person(added)}"><attr name="objectClass"><value>inetOrgPerson</value></attr><attr name="uid"><value>${added}</value></attr><attr name="cn"><value>x</value></attr><attr name="sn"><value>x</value></attr><attr name="jpegPhoto"><value xsi:type="xsd:anyURI">${uri}</value></attr></addRequest>`
        + `<modifyRequest requestID="m" dn="${person(uid)}"><modification name="labeledURI" operation="replace"><value xsi:type="xsd:anyURI">${uri}</value></modification></modifyRequest>`,
        'onError="resume"',
      )));
      assert.equal(r.status, 200);
      for (const id of ['a', 'm']) assert.deepEqual([answerFor(r.body, id).kind, answerFor(r.body, id).errorType], ['errorResponse', 'unresolvableURI'], id);
      assert.equal(fetched, 0);
      const corp = await env.system().source('corp');
      assert.equal(await readSource(corp, corpPerson(added)), undefined);
      assert.deepEqual((await readSource(corp, corpPerson(uid), ['labeledURI']))!.get('labeleduri') ?? [], []);
    } finally {
      await new Promise<void>((resolve) => bait.close(() => resolve()));
    }
  });
}
