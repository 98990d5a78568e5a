/**
 * dirgate's answers as they come off the wire from the real gateway, read by
 * the Apache Directory LDAP API's own DSMLv2 response parser (Debian
 * libapache-directory-api-java 2.1.2 with libantlr-java; a JDK compiles
 * test/dsml/java/ApacheDsmlRead.java): a search with a binary value, an add,
 * and errors, on the embedded directory and on slapd. What the parser
 * understood is compared with what the source holds. Run by
 * scripts/conformance.mjs.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  addRequest, batch, corpPerson, person, readSource, searchRequest, soap11, ANY,
} from '../../integration/dsml/dsml-client.js';
import { ADMIN, fresh } from '../../integration/dsml/scenarios/env.js';
import { basicHeader, startDsmlSystem, type DirectoryKind, type DsmlSystem } from '../../integration/dsml/system.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SOURCES = [path.resolve(here, '..', 'java', 'ApacheDsmlRead.java'), path.join(here, 'java', 'ApacheErrorIds.java')];
const JARS = ['apache-directory-api-all', 'xpp3', 'dom4j', 'slf4j-api', 'slf4j-nop', 'commons-lang3', 'commons-collections4', 'mina2-core', 'commons-codec', 'commons-io', 'commons-pool2', 'antlr'];
const classpath = JARS.map((j) => `/usr/share/java/${j}.jar`);

let work = '';
function compile(): void {
  const missing = classpath.filter((j) => !existsSync(j));
  const noJava = spawnSync('javac', ['-version']).error !== undefined;
  assert.ok(missing.length === 0 && !noJava, `needs a JDK and libapache-directory-api-java libantlr-java (missing: ${[...missing, ...(noJava ? ['javac'] : [])].join(', ')})`);
  work = mkdtempSync(path.join(os.tmpdir(), 'dirgate-apache-http-'));
  execFileSync('javac', ['-d', work, '-cp', classpath.join(':'), ...SOURCES], { stdio: 'pipe' });
}

/** What Dsmlv2ResponseParser understood of an answer, one fact a line (ApacheDsmlRead, or ApacheErrorIds). */
function apacheRead(xml: string, program = 'ApacheDsmlRead'): string[] {
  const file = path.join(work, `answer-${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(file, xml);
  return execFileSync('java', ['-cp', [...classpath, work].join(':'), program, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trimEnd().split('\n');
}

const b64 = (v: string | Buffer): string => Buffer.from(v).toString('base64');

describe('the Apache Directory LDAP API parses the gateway\'s answers off the wire', function () {
  this.timeout(60_000);
  before(compile);
  after(() => { if (work) rmSync(work, { recursive: true, force: true }); });

  for (const directory of ['embedded', 'slapd'] as DirectoryKind[]) {
    describe(`gateway on the ${directory} directory`, () => {
      let system: DsmlSystem;
      before(async () => { system = await startDsmlSystem({ directory }); });
      after(async () => { await system?.close(); });

      it('a search with a binary value (bare): every value byte for byte as the source holds it', async () => {
        const r = await system.post(batch(searchRequest('21', person('alice'), ANY, { scope: 'baseObject', attributes: ['uid', 'cn', 'jpegPhoto'] }), 'requestID="20"'), ADMIN);
        assert.equal(r.status, 200);
        const stored = await readSource(await system.source('corp'), corpPerson('alice'), ['uid', 'cn', 'jpegPhoto']);
        const lines = apacheRead(r.body);
        assert.deepEqual(lines.filter((l) => !l.startsWith('    value ')), ['batch id=20', 'search id=21', `  entry ${person('alice')}`, '  done id=21 code=0']);
        const expected = [['uid', stored!.get('uid')!], ['cn', stored!.get('cn')!], ['jpegPhoto', stored!.get('jpegphoto')!]] as const;
        assert.deepEqual(lines.filter((l) => l.startsWith('    value ')).sort(), expected.flatMap(([n, vs]) => vs.map((v) => `    value ${n} ${b64(v)}`)).sort());
      });

      it('an add (SOAP 1.1): the addResponse with its id and code, and the entry in the source', async () => {
        const uid = fresh('apache');
        const r = await system.post(soap11(batch(addRequest('31', person(uid), {
          objectClass: ['inetOrgPerson'], uid: [uid], cn: ['  Apache  Reader '], sn: ['Reader'], mail: [`${uid}@corp.example`],
        }), 'requestID="30"')), ADMIN);
        assert.deepEqual(apacheRead(r.body), ['batch id=30', 'ADD_RESPONSE id=31 code=0']);
        assert.deepEqual((await readSource(await system.source('corp'), corpPerson(uid), ['cn']))!.get('cn')!.map(String), ['  Apache  Reader ']);
      });

      it('errors (SOAP 1.1): malformedRequest, unresolvableURI, an LDAP error code, and authenticationFailed', async () => {
        const r = await system.post(soap11(batch(
          '<delRequest requestID="41"/>'
          + `<addRequest requestID="42" dn="${person(fresh('uri'))}"><attr name="labeledURI"><value xsi:type="xsd:anyURI">file:///etc/shadow</value></attr></addRequest>`
          + `<delRequest requestID="43" dn="${person('nobody-here')}"/>`,
          'requestID="40" onError="resume"',
        )), ADMIN);
        const lines = apacheRead(r.body);
        assert.equal(lines[0], 'batch id=40');
        assert.match(lines[1]!, /^error id=\d+ type=malformedRequest message=<delRequest> needs the attribute dn$/);
        assert.match(lines[2]!, /^error id=\d+ type=unresolvableURI message=URI values with the scheme "file" are not accepted/);
        assert.equal(lines[3], 'DEL_RESPONSE id=43 code=32');
        assert.deepEqual(apacheRead(r.body, 'ApacheErrorIds'), ['error messageId=41 type=malformedRequest', 'error messageId=42 type=unresolvableURI']);
        const refused = await system.post(soap11(batch(searchRequest('51', person('bob'), ANY, { scope: 'baseObject' }), 'requestID="50"')), { authorization: basicHeader('bob', 'not-bob-pass') });
        assert.deepEqual(apacheRead(refused.body).map((l) => l.replace(/^error id=\d+/, 'error')), ['batch id=50', 'error type=authenticationFailed message=authentication failed']);
        assert.deepEqual(apacheRead(refused.body, 'ApacheErrorIds'), ['error messageId=51 type=authenticationFailed']);
      });
    });
  }
});
