/**
 * DSML codec benchmark: parse a typical search request and serialize a typical
 * search response, with dirgate's own scanner and writer side by side with the
 * fast-xml-parser + XMLBuilder baseline the prototype used; and the whole
 * transport-free /dsml pipeline (parse, run against a fixed in-memory answer,
 * serialize). Prints operations per second and ratios.
 *
 *   npx tsx bench/dsml-codec.ts [--quick] [--json]
 */
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import type { Directory, Entry, SearchEvent } from '../src/directory/model.js';
import { dsmlConfig } from '../src/dsml/config.js';
import { handleDsmlRequest } from '../src/dsml/handler.js';
import { parseDsmlDocument } from '../src/dsml/parse.js';
import { serializeBatchResponse } from '../src/dsml/serialize.js';
import type { DsmlBatchResponse } from '../src/dsml/types.js';
import { parseXml } from '../src/dsml/xml/scanner.js';

const quick = process.argv.includes('--quick');
const asJson = process.argv.includes('--json');
const SECONDS = quick ? 0.4 : 2;

// What System.DirectoryServices.Protocols sends for a subtree search with a few attributes.
const REQUEST = Buffer.from(
  '<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Body xmlns="urn:oasis:names:tc:DSML:2:0:core">' +
    '<batchRequest xmlns="urn:oasis:names:tc:DSML:2:0:core" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" processing="sequential" responseOrder="sequential" onError="exit">' +
    '<searchRequest dn="ou=people,o=example" scope="wholeSubtree" derefAliases="neverDerefAliases" sizeLimit="100" requestID="42">' +
    '<filter><and><equalityMatch name="objectClass"><value>inetOrgPerson</value></equalityMatch>' +
    '<or><substrings name="cn"><initial>Al</initial></substrings><equalityMatch name="mail"><value>alice@example.com</value></equalityMatch></or></and></filter>' +
    '<attributes><attribute name="cn"/><attribute name="mail"/><attribute name="uid"/><attribute name="telephoneNumber"/><attribute name="jpegPhoto"/></attributes>' +
    '</searchRequest></batchRequest></se:Body></se:Envelope>',
);

function entry(i: number): Entry {
  return {
    dn: `uid=user${i},ou=people,o=example`,
    attributes: [
      { type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'] },
      { type: 'uid', values: [`user${i}`] },
      { type: 'cn', values: [`User Number ${i}`] },
      { type: 'sn', values: ['Number'] },
      { type: 'mail', values: [`user${i}@example.com`] },
      { type: 'telephoneNumber', values: ['+1 555 0100', '+1 555 0101'] },
      { type: 'jpegPhoto', values: [Buffer.alloc(96, i)] },
    ],
  };
}
const ENTRIES = Array.from({ length: 10 }, (_, i) => entry(i));
const RESPONSE: DsmlBatchResponse = {
  requestID: '7',
  responses: [{ kind: 'search', requestID: '42', entries: ENTRIES.map((e) => ({ entry: e })), references: [], done: { resultCode: 0 } }],
};

const config = dsmlConfig();

// Baseline: the prototype's fast-xml-parser set-up, made safe (no DTD handling, values untouched).
const fxp = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
});
const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@', suppressEmptyNode: true });

function fxpParse(): unknown {
  const text = REQUEST.toString('utf8');
  if (text.includes('<!DOCTYPE')) throw new Error('refused');
  return fxp.parse(text);
}

function fxpBuild(): string {
  const entries = ENTRIES.map((e) => ({
    '@dn': e.dn,
    '@requestID': '42',
    attr: e.attributes.map((a) => ({
      '@name': a.type,
      value: a.values.map((v) => (typeof v === 'string' ? v : { '@xsi:type': 'xsd:base64Binary', '#text': v.toString('base64') })),
    })),
  }));
  return builder.build({
    'soap:Envelope': {
      '@xmlns:soap': 'http://schemas.xmlsoap.org/soap/envelope/',
      'soap:Body': {
        batchResponse: {
          '@xmlns': 'urn:oasis:names:tc:DSML:2:0:core',
          '@xmlns:xsd': 'http://www.w3.org/2001/XMLSchema',
          '@xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
          '@requestID': '7',
          searchResponse: { '@requestID': '42', searchResultEntry: entries, searchResultDone: { '@requestID': '42', resultCode: { '@code': '0', '@descr': 'success' } } },
        },
      },
    },
  }) as string;
}

const fixed: Directory = {
  async *search(): AsyncIterable<SearchEvent> {
    for (const e of ENTRIES) yield { kind: 'entry', entry: e };
    yield { kind: 'done', result: { resultCode: 0 } };
  },
  add: async () => ({ resultCode: 0 }),
  modify: async () => ({ resultCode: 0 }),
  delete: async () => ({ resultCode: 0 }),
  modifyDN: async () => ({ resultCode: 0 }),
  compare: async () => ({ resultCode: 6 }),
  extended: async () => ({ resultCode: 0 }),
  bind: async (dn) => dn,
};

async function measure(name: string, fn: () => unknown): Promise<{ name: string; opsPerSec: number }> {
  for (let i = 0; i < 200; i++) await fn(); // warm-up
  let n = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(SECONDS * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let k = 0; k < 100; k++) await fn();
    n += 100;
    elapsed = process.hrtime.bigint() - start;
  }
  return { name, opsPerSec: Math.round(n / (Number(elapsed) / 1e9)) };
}

const ctx = { requestId: 'bench', principal: {} };
const results = [
  await measure('parse: dirgate (decode + scan + DSML model)', () => parseDsmlDocument(REQUEST, { config })),
  await measure('parse: dirgate scanner only (element tree)', () => parseXml(REQUEST.toString('utf8'), { maxDepth: 64, maxElements: 10000 })),
  await measure('parse: fast-xml-parser (object tree, no namespaces)', fxpParse),
  await measure('serialize: dirgate writer (10 entries)', () => serializeBatchResponse(RESPONSE, { soap: '1.1' })),
  await measure('serialize: fast-xml-parser XMLBuilder (10 entries)', fxpBuild),
  await measure('pipeline: handleDsmlRequest search, 10 entries', () => handleDsmlRequest(REQUEST, {}, { directory: fixed, ctx, config })),
];

const by = (prefix: string): number => results.find((r) => r.name.startsWith(prefix))!.opsPerSec;
const ratios = {
  parseDirgateOverFxp: +(by('parse: dirgate (') / by('parse: fast-xml')).toFixed(2),
  scannerOverFxp: +(by('parse: dirgate scanner') / by('parse: fast-xml')).toFixed(2),
  serializeDirgateOverBuilder: +(by('serialize: dirgate') / by('serialize: fast-xml')).toFixed(2),
};

if (asJson) {
  console.log(JSON.stringify({ node: process.version, quick, results, ratios }, null, 2));
} else {
  const width = Math.max(...results.map((r) => r.name.length));
  for (const r of results) console.log(`${r.name.padEnd(width)}  ${r.opsPerSec.toLocaleString('en-US').padStart(12)} ops/s`);
  console.log(`\nratios: parse dirgate/fxp ${ratios.parseDirgateOverFxp}x, scanner/fxp ${ratios.scannerOverFxp}x, serialize dirgate/XMLBuilder ${ratios.serializeDirgateOverBuilder}x`);
}
