/**
 * Every kind of DSML response dirgate writes, validated against the OASIS
 * dsmlv2.xsd with xmllint: bare, in SOAP 1.1 (with and without the Microsoft
 * Session header) and in SOAP 1.2. Run by scripts/conformance.mjs, which checks
 * that xmllint and the schema folder ($DIRGATE_OASIS_DIR) are there; set
 * DIRGATE_CONFORMANCE_OUT to keep the documents.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkTools, oasisDir, validateFiles } from '../../scripts/conformance.mjs';
import { LDAP_RESULT } from '../../src/errors.js';
import { dsmlConfig } from '../../src/dsml/config.js';
import { handleDsmlRequest } from '../../src/dsml/handler.js';
import { serializeBatchResponse, type EnvelopeOptions } from '../../src/dsml/serialize.js';
import { DsmlSessionStore } from '../../src/dsml/session-store.js';
import type { DsmlResponse } from '../../src/dsml/types.js';
import { batch, soap11, soap12 } from '../unit/dsml/helpers/documents.js';
import { demoDirectory } from '../unit/dsml/helpers/memory-directory.js';

const schemaDir = oasisDir();
const keep = process.env.DIRGATE_CONFORMANCE_OUT;
let outDir: string;
const written: Array<{ name: string; file: string }> = [];

function write(name: string, xml: string): void {
  const file = path.join(outDir, `${name}.xml`);
  writeFileSync(file, xml);
  written.push({ name, file });
}

const FORMS: Array<[string, EnvelopeOptions]> = [
  ['bare', {}],
  ['soap11', { soap: '1.1' }],
  ['soap11-session', { soap: '1.1', sessionId: 'AbC_123-xyz' }],
  ['soap12', { soap: '1.2' }],
];

const tricky = ['plain', ' leading', 'trailing ', '   ', 'a<b&c>d"e\'f', 'cr\r\nlf', 'bell\u0007', 'Zoë 😀', '', ']]>'];

const EVERY_KIND: DsmlResponse[] = [
  { kind: 'auth', requestID: '0', result: { resultCode: 0 } },
  {
    kind: 'search', requestID: '1',
    entries: [
      { entry: { dn: 'uid=alice,ou=people,o=example', attributes: [{ type: 'cn', values: tricky }, { type: 'jpegPhoto', values: [Buffer.from([0xff, 0xd8, 0, 1, 2])] }, { type: 'userCertificate;binary', values: [Buffer.alloc(0)] }, { type: '2.5.4.3', values: ['oid-named'] }] } },
      { entry: { dn: 'cn=weird \\"dn\\" <&>\u0001,o=example', attributes: [] }, controls: [{ type: '1.3.6.1.4.1.42.2.27.8.5.1', criticality: false, value: Buffer.from([0x30, 0]) }] },
    ],
    references: [['ldap://a.example/o=example', 'ldap://b.example/o=example??sub'], ['ldap://c.example/']],
    done: { resultCode: 4, errorMessage: 'size limit <exceeded>', controls: [{ type: '1.2.840.113556.1.4.319', criticality: true, value: Buffer.from('MAUCAQAEAA==', 'base64') }] },
  },
  { kind: 'search', entries: [], references: [], done: { resultCode: 32, matchedDN: 'o=example' } },
  { kind: 'modify', requestID: '2', result: { resultCode: 10, referrals: ['ldap://other.example/o=example'], errorMessage: 'referral' } },
  { kind: 'add', requestID: '3', result: { resultCode: 68, matchedDN: 'ou=people,o=example', errorMessage: 'the entry already exists' } },
  { kind: 'delete', requestID: '4', result: { resultCode: 0, controls: [{ type: '1.2.3.4', criticality: false }] } },
  { kind: 'modifyDN', requestID: '5', result: { resultCode: 0 } },
  { kind: 'compare', requestID: '6', result: { resultCode: 6 } },
  { kind: 'compare', result: { resultCode: 5 } },
  { kind: 'extended', requestID: '7', result: { resultCode: 0 }, responseName: '1.3.6.1.4.1.4203.1.11.3', response: Buffer.from('dn:uid=alice,ou=people,o=example') },
  { kind: 'extended', result: { resultCode: 2, errorMessage: 'unsupported' } },
  ...(['notAttempted', 'couldNotConnect', 'connectionClosed', 'malformedRequest', 'gatewayInternalError', 'authenticationFailed', 'unresolvableURI', 'other'] as const)
    .map((type, i): DsmlResponse => ({ kind: 'error', requestID: `e${i}`, type, message: `${type} <message>` })),
  { kind: 'error', type: 'malformedRequest' },
];

describe('DSML responses validate against the OASIS schema', function () {
  before(() => {
    const problems = checkTools(schemaDir);
    assert.deepEqual(problems, [], 'run through scripts/conformance.mjs with xmllint installed and the OASIS schema folder');
    outDir = keep ? path.resolve(keep) : mkdtempSync(path.join(os.tmpdir(), 'dirgate-conformance-'));
    mkdirSync(outDir, { recursive: true });
  });

  after(() => {
    if (!keep && outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('every response element, in every form', () => {
    for (const [form, envelope] of FORMS) {
      write(`every-kind.${form}`, serializeBatchResponse({ requestID: 'batch <1>', responses: EVERY_KIND }, envelope));
      write(`empty.${form}`, serializeBatchResponse({ responses: [] }, envelope));
    }
  });

  it('every LDAP result code dirgate may write', () => {
    const codes = [...Object.values(LDAP_RESULT), 9, 118, 119, 120, 121, 122, 4096, 16654];
    write('result-codes.soap11', serializeBatchResponse({ responses: codes.map((resultCode): DsmlResponse => ({ kind: 'delete', requestID: String(resultCode), result: { resultCode } })) }, { soap: '1.1' }));
  });

  it('what the whole pipeline answers to every request kind, good and bad', async () => {
    const config = dsmlConfig();
    const ops =
      '<searchRequest requestID="s1" dn="ou=people,o=example" scope="singleLevel" derefAliases="neverDerefAliases"><filter><present name="objectClass"/></filter></searchRequest>' +
      '<searchRequest requestID="s2" dn="ou=nowhere,o=example" scope="baseObject" derefAliases="neverDerefAliases"><filter><present name="objectClass"/></filter></searchRequest>' +
      '<searchRequest requestID="s3" dn="o=example" scope="sometimes" derefAliases="neverDerefAliases"><filter><present name="cn"/></filter></searchRequest>' +
      '<addRequest requestID="a1" dn="uid=dave,ou=people,o=example"><attr name="uid"><value>dave</value></attr><attr name="jpegPhoto"><value xsi:type="xsd:base64Binary">/9j/</value></attr></addRequest>' +
      '<addRequest requestID="a2" dn="uid=dave,ou=people,o=example"><attr name="uid"><value>dave</value></attr></addRequest>' +
      '<addRequest requestID="a3" dn="uid=eve,ou=people,o=example"><attr name="labeledURI"><value xsi:type="xsd:anyURI">http://169.254.169.254/</value></attr></addRequest>' +
      '<modifyRequest requestID="m1" dn="uid=bob,ou=people,o=example"><modification name="mail" operation="replace"><value>bob@example.org</value></modification></modifyRequest>' +
      '<compareRequest requestID="c1" dn="uid=bob,ou=people,o=example"><assertion name="uid"><value>bob</value></assertion></compareRequest>' +
      '<compareRequest requestID="c2" dn="uid=bob,ou=people,o=example"><assertion name="uid"><value>alice</value></assertion></compareRequest>' +
      '<modDNRequest requestID="r1" dn="uid=carol,ou=people,o=example" newrdn="uid=caroline"/>' +
      '<delRequest requestID="d1" dn="uid=dave,ou=people,o=example"/>' +
      '<extendedRequest requestID="x1"><requestName>1.3.6.1.4.1.4203.1.11.3</requestName></extendedRequest>' +
      '<extendedRequest requestID="x2"><requestName>1.3.6.1.4.1.1466.20037</requestName></extendedRequest>' +
      '<abandonRequest requestID="ab" abandonID="nothing"/>' +
      '<unknownRequest requestID="u1"/>';
    const deps = { directory: demoDirectory(), ctx: { requestId: 'c', principal: { dn: 'uid=admin,ou=people,o=example' } }, config, sessions: new DsmlSessionStore(config.sessions) };
    const forms: Array<[string, string]> = [
      ['bare', batch(ops, 'requestID="R" onError="resume"')],
      ['soap11', soap11(batch(ops, 'requestID="R" onError="resume"'))],
      ['soap12', soap12(batch(ops, 'requestID="R" onError="resume" processing="parallel"'))],
      ['soap11-session', soap11(batch(ops, 'onError="resume"'), '<ad:BeginSession xmlns:ad="urn:schema-microsoft-com:activedirectory:dsmlv2" se:mustUnderstand="1"/>')],
    ];
    for (const [form, xml] of forms) {
      deps.directory = demoDirectory();
      const r = await handleDsmlRequest(Buffer.from(xml), {}, deps);
      assert.equal(r.status, 200);
      write(`pipeline.${form}`, r.body);
    }
    const fault = await handleDsmlRequest(Buffer.from('<!DOCTYPE x []><x/>'), {}, deps);
    write('fault.soap11', fault.body);
  });

  it('all of it, checked with xmllint', () => {
    const results = validateFiles(schemaDir, written.map((w) => w.file));
    const failures = results.filter((r) => !r.ok).map((r) => `${path.basename(r.file)}:\n  ${r.errors.join('\n  ')}`);
    assert.deepEqual(failures, []);
    assert.equal(results.length, written.length);
  });
});
