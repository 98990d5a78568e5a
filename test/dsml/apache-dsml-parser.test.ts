/**
 * dirgate's DSML answers, read by the Apache Directory LDAP API's own DSMLv2
 * response parser (Debian: libapache-directory-api-java, which also needs
 * libantlr-java at run time, and a JDK for javac). A small Java program
 * (java/ApacheDsmlRead.java) is compiled once and prints what the parser
 * understood; the test checks it against what dirgate meant: every value byte
 * for byte (white space, markup characters, non-ASCII, binary), result codes,
 * errorResponse types, request ids, controls. Run by scripts/conformance.mjs.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Entry } from '../../src/directory/model.js';
import { dsmlConfig } from '../../src/dsml/config.js';
import { handleDsmlRequest } from '../../src/dsml/handler.js';
import { encodePaged } from '../../src/directory/paged-results.js';
import { DsmlSessionStore } from '../../src/dsml/session-store.js';
import { batch, soap11 } from '../unit/dsml/helpers/documents.js';
import { MemoryDirectory } from '../unit/dsml/helpers/memory-directory.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const JARS = ['apache-directory-api-all', 'xpp3', 'dom4j', 'slf4j-api', 'slf4j-nop', 'commons-lang3', 'commons-collections4', 'mina2-core', 'commons-codec', 'commons-io', 'commons-pool2', 'antlr'];
const classpath = JARS.map((j) => `/usr/share/java/${j}.jar`);

const PHOTO = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x80, 0xff]);
const TRICKY = ['  padded  ', 'a<b & c>"d"', 'Zoë 😀 日本', 'tab\tinside', 'line\r\nbreak', ' '];

const entries: Entry[] = [
  { dn: 'o=example', attributes: [{ type: 'o', values: ['example'] }] },
  { dn: 'ou=people,o=example', attributes: [{ type: 'ou', values: ['people'] }] },
  {
    dn: 'uid=alice,ou=people,o=example',
    attributes: [
      { type: 'uid', values: ['alice'] },
      { type: 'description', values: TRICKY },
      { type: 'jpegPhoto', values: [PHOTO] },
    ],
  },
  { dn: 'uid=bob,ou=people,o=example', attributes: [{ type: 'uid', values: ['bob'] }] },
];

describe('the Apache Directory LDAP API reads dirgate\'s DSML answers', function () {
  this.timeout(60000);
  let work: string;
  let run: (xml: string) => string;

  before(() => {
    const missing = classpath.filter((j) => !existsSync(j));
    const noJava = spawnSync('javac', ['-version']).error !== undefined;
    assert.ok(
      missing.length === 0 && !noJava,
      `needs a JDK and the Debian packages libapache-directory-api-java libantlr-java (missing: ${[...missing, ...(noJava ? ['javac'] : [])].join(', ')})`,
    );
    work = mkdtempSync(path.join(os.tmpdir(), 'dirgate-apache-dsml-'));
    execFileSync('javac', ['-d', work, '-cp', classpath.join(':'), path.join(here, 'java', 'ApacheDsmlRead.java')], { stdio: 'pipe' });
    run = (xml: string): string => {
      const file = path.join(work, `r${Math.random().toString(36).slice(2)}.xml`);
      writeFileSync(file, xml);
      return execFileSync('java', ['-cp', [...classpath, work].join(':'), 'ApacheDsmlRead', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    };
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const ops =
    '<searchRequest requestID="11" dn="ou=people,o=example" scope="singleLevel" derefAliases="neverDerefAliases">' +
    `<control type="1.2.840.113556.1.4.319"><controlValue xsi:type="xsd:base64Binary">${encodePaged({ size: 10, cookie: Buffer.alloc(0) }).toString('base64')}</controlValue></control>` +
    '<filter><equalityMatch name="uid"><value>alice</value></equalityMatch></filter></searchRequest>' +
    '<addRequest requestID="12" dn="uid=carol,ou=people,o=example"><attr name="uid"><value>carol</value></attr></addRequest>' +
    '<addRequest requestID="13" dn="uid=bob,ou=people,o=example"><attr name="uid"><value>bob</value></attr></addRequest>' +
    '<compareRequest requestID="14" dn="uid=bob,ou=people,o=example"><assertion name="uid"><value>bob</value></assertion></compareRequest>' +
    '<delRequest requestID="15" dn="uid=nobody,ou=people,o=example"/>' +
    '<searchRequest requestID="16" dn="o=example" scope="wholeSubtree" derefAliases="sometimes"><filter><present name="uid"/></filter></searchRequest>' +
    '<addRequest requestID="17" dn="uid=eve,ou=people,o=example"><attr name="labeledURI"><value xsi:type="xsd:anyURI">file:///etc/shadow</value></attr></addRequest>';

  for (const form of ['bare', 'SOAP 1.1'] as const) {
    it(`parses every value, code and error type of a ${form} answer as dirgate meant them`, async () => {
      const config = dsmlConfig();
      const xml = batch(ops, 'requestID="7" onError="resume"');
      const r = await handleDsmlRequest(Buffer.from(form === 'bare' ? xml : soap11(xml)), {}, {
        directory: new MemoryDirectory(entries), ctx: { requestId: 'a', principal: {} }, config, sessions: new DsmlSessionStore(config.sessions),
      });
      const lines = run(r.body).trimEnd().split('\n');
      const b64 = (v: string | Buffer): string => Buffer.from(v as never).toString('base64');
      const expected = [
        'batch id=7',
        'search id=11',
        '  entry uid=alice,ou=people,o=example',
        `    value uid ${b64('alice')}`,
        ...TRICKY.map((v) => `    value description ${b64(v)}`),
        `    value jpegPhoto ${b64(PHOTO)}`,
        '  done id=11 code=0',
        '  control 1.2.840.113556.1.4.319',
        'ADD_RESPONSE id=12 code=0',
        'ADD_RESPONSE id=13 code=68',
        'COMPARE_RESPONSE id=14 code=6',
        'DEL_RESPONSE id=15 code=32',
      ];
      // The parser keeps an entry's attributes in its own order: compare the entry's values as a set.
      const entryValues = (ls: string[]): string[] => ls.filter((l) => l.startsWith('    value ')).sort();
      assert.deepEqual(entryValues(lines), entryValues(expected));
      assert.deepEqual(lines.filter((l) => !l.startsWith('    value ')).slice(0, 9), expected.filter((l) => !l.startsWith('    value ')));
      const errors = lines.filter((l) => l.startsWith('error '));
      assert.equal(errors.length, 2);
      assert.match(errors[0]!, /type=malformedRequest message=derefAliases on <searchRequest> must be one of/);
      assert.match(errors[1]!, /type=unresolvableURI message=URI values with the scheme "file" are not accepted/);
    });
  }
});
