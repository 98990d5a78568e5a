/**
 * The client's side of the DSML tests: requests written as text (so each test
 * shows the bytes a client sends), and answers read back with an XML parser of
 * its own (saxes, namespace-aware), never with dirgate's scanner, so a fault in
 * dirgate's writer cannot hide behind the same fault in its reader. Values come
 * back as bytes, decoded from base64 where `xsi:type` resolves to
 * XMLSchema#base64Binary through its namespace binding.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from 'ldapts';
import { SaxesParser, type SaxesTagNS } from 'saxes';

export const DSML_NS = 'urn:oasis:names:tc:DSML:2:0:core';
export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
export const AD_NS = 'urn:schema-microsoft-com:activedirectory:dsmlv2';
export const XSD_NS = 'http://www.w3.org/2001/XMLSchema';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
export const WHO_AM_I = '1.3.6.1.4.1.4203.1.11.3';

// ---------------------------------------------------------------- requests

/** A batchRequest with the DSML namespace as default and xsd/xsi declared, as .NET and most clients write it. */
export function batch(inner: string, attrs = ''): string {
  return `<batchRequest xmlns="${DSML_NS}" xmlns:xsd="${XSD_NS}" xmlns:xsi="${XSI_NS}"${attrs ? ` ${attrs}` : ''}>${inner}</batchRequest>`;
}

export function soap11(body: string, header = ''): string {
  return `<soap:Envelope xmlns:soap="${SOAP11_NS}">${header ? `<soap:Header>${header}</soap:Header>` : ''}<soap:Body>${body}</soap:Body></soap:Envelope>`;
}

export function soap12(body: string): string {
  return `<env:Envelope xmlns:env="${SOAP12_NS}"><env:Body>${body}</env:Body></env:Envelope>`;
}

export function xmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\r/g, '&#13;');
}

export interface SearchOptions {
  scope?: 'baseObject' | 'singleLevel' | 'wholeSubtree';
  deref?: string;
  attributes?: string[];
  sizeLimit?: number;
  timeLimit?: number;
  typesOnly?: boolean;
  controls?: string;
}

export function searchRequest(id: string, dn: string, filter: string, o: SearchOptions = {}): string {
  const attrs = o.attributes?.length ? `<attributes>${o.attributes.map((a) => `<attribute name="${a}"/>`).join('')}</attributes>` : '';
  const limits = `${o.sizeLimit === undefined ? '' : ` sizeLimit="${o.sizeLimit}"`}${o.timeLimit === undefined ? '' : ` timeLimit="${o.timeLimit}"`}${o.typesOnly ? ' typesOnly="true"' : ''}`;
  return `<searchRequest requestID="${id}" dn="${xmlText(dn)}" scope="${o.scope ?? 'singleLevel'}" derefAliases="${o.deref ?? 'neverDerefAliases'}"${limits}>`
    + `${o.controls ?? ''}<filter>${filter}</filter>${attrs}</searchRequest>`;
}

/** `<value>` elements: strings as text, Buffers as xsd:base64Binary. */
export function values(...vs: Array<string | Buffer>): string {
  return vs.map((v) => (typeof v === 'string' ? `<value>${xmlText(v)}</value>` : `<value xsi:type="xsd:base64Binary">${v.toString('base64')}</value>`)).join('');
}

export function addRequest(id: string, dn: string, attrs: Record<string, Array<string | Buffer>>): string {
  return `<addRequest requestID="${id}" dn="${xmlText(dn)}">${Object.entries(attrs).map(([n, vs]) => `<attr name="${n}">${values(...vs)}</attr>`).join('')}</addRequest>`;
}

export function modifyRequest(id: string, dn: string, mods: Array<[operation: 'add' | 'delete' | 'replace', name: string, vals: Array<string | Buffer>]>): string {
  return `<modifyRequest requestID="${id}" dn="${xmlText(dn)}">${mods.map(([op, n, vs]) => `<modification name="${n}" operation="${op}">${values(...vs)}</modification>`).join('')}</modifyRequest>`;
}

export function equality(name: string, value: string): string {
  return `<equalityMatch name="${name}"><value>${xmlText(value)}</value></equalityMatch>`;
}

export const ANY = '<present name="objectClass"/>';

// ---------------------------------------------------------------- the demo's names

export const PEOPLE = 'ou=people,o=example';
export const person = (uid: string): string => `uid=${uid},${PEOPLE}`;
export const corpPerson = (uid: string): string => `uid=${uid},ou=people,dc=corp,dc=example`;
export const hrPerson = (mail: string): string => `mail=${mail},ou=people,o=hr`;

// ---------------------------------------------------------------- answers

export interface El {
  local: string;
  ns: string;
  prefix: string;
  /** Attributes by local name (unprefixed) or `{ns}local` (prefixed). */
  attrs: Map<string, string>;
  /** In-scope prefix -> namespace bindings, for QName values such as xsi:type. */
  scope: Record<string, string>;
  children: El[];
  text: string;
}

/** A namespace-aware parse of a whole document; throws on anything not well-formed. */
export function parseDocument(xml: string): El {
  const parser = new SaxesParser({ xmlns: true });
  const stack: El[] = [];
  let root: El | undefined;
  let failure: Error | undefined;
  parser.on('error', (e) => { failure ??= e; });
  parser.on('opentag', (tag: SaxesTagNS) => {
    const attrs = new Map<string, string>();
    for (const a of Object.values(tag.attributes)) {
      if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
      attrs.set(a.prefix ? `{${a.uri}}${a.local}` : a.local, a.value);
    }
    const el: El = { local: tag.local, ns: tag.uri, prefix: tag.prefix, attrs, scope: { ...(stack.at(-1)?.scope ?? {}), ...tag.ns }, children: [], text: '' };
    stack.at(-1)?.children.push(el);
    root ??= el;
    stack.push(el);
  });
  parser.on('text', (t) => { const top = stack.at(-1); if (top) top.text += t; });
  parser.on('closetag', () => { stack.pop(); });
  parser.write(xml).close();
  if (failure) throw failure;
  if (!root) throw new Error('no document element');
  return root;
}

export function kids(el: El, local: string, ns = DSML_NS): El[] {
  return el.children.filter((c) => c.local === local && c.ns === ns);
}

export function kid(el: El, local: string, ns = DSML_NS): El {
  const c = kids(el, local, ns)[0];
  if (!c) throw new Error(`no <${local}> in <${el.local}>`);
  return c;
}

/** The batchResponse of an answer: bare, or in the Body of a SOAP 1.1 or 1.2 envelope. */
export function batchResponseOf(xml: string): El {
  const root = parseDocument(xml);
  if (root.local === 'batchResponse' && root.ns === DSML_NS) return root;
  assert.ok(root.local === 'Envelope' && (root.ns === SOAP11_NS || root.ns === SOAP12_NS), `not a DSML answer: <${root.local}> in ${root.ns}`);
  const bodies = kids(root, 'Body', root.ns);
  assert.equal(bodies.length, 1);
  const inside = bodies[0]!.children;
  assert.equal(inside.length, 1, 'exactly one element in the SOAP Body');
  assert.ok(inside[0]!.local === 'batchResponse' && inside[0]!.ns === DSML_NS, `the Body holds <${inside[0]!.local}>`);
  return inside[0]!;
}

/** The SOAP Fault of a 400/500 answer: its code and text, and whether it has a detail. */
export function faultOf(xml: string): { version: '1.1' | '1.2'; code: string; text: string; detail: boolean } {
  const root = parseDocument(xml);
  assert.equal(root.local, 'Envelope');
  const fault = kid(kid(root, 'Body', root.ns), 'Fault', root.ns);
  if (root.ns === SOAP11_NS) {
    const code = kid(fault, 'faultcode', '').text;
    return { version: '1.1', code: code.slice(code.indexOf(':') + 1), text: kid(fault, 'faultstring', '').text, detail: kids(fault, 'detail', '').length > 0 };
  }
  const code = kid(kid(fault, 'Code', SOAP12_NS), 'Value', SOAP12_NS).text;
  return { version: '1.2', code: code.slice(code.indexOf(':') + 1), text: kid(kid(fault, 'Reason', SOAP12_NS), 'Text', SOAP12_NS).text, detail: kids(fault, 'Detail', SOAP12_NS).length > 0 };
}

/** A value's bytes: base64-decoded when its xsi:type resolves to XMLSchema#base64Binary, else its UTF-8 text. */
export function valueBytes(el: El): Buffer {
  const type = el.attrs.get(`{${XSI_NS}}type`);
  if (type !== undefined) {
    const [prefix, local] = type.includes(':') ? type.split(':') as [string, string] : ['', type];
    const ns = el.scope[prefix];
    if (ns === XSD_NS && local === 'base64Binary') return Buffer.from(el.text.replace(/\s+/g, ''), 'base64');
    assert.ok(ns === XSD_NS && local === 'string', `unexpected xsi:type ${type}`);
  }
  return Buffer.from(el.text, 'utf8');
}

export interface AnswerEntry {
  dn: string;
  requestID?: string;
  /** Attribute name as sent -> values as bytes. */
  attrs: Map<string, Buffer[]>;
}

export interface Control { type: string; criticality?: string; value?: Buffer }

export interface Answer {
  /** The response element's local name: searchResponse, addResponse, errorResponse, ... */
  kind: string;
  requestID?: string;
  resultCode?: number;
  descr?: string;
  errorMessage?: string;
  matchedDN?: string;
  /** errorResponse only. */
  errorType?: string;
  message?: string;
  entries: AnswerEntry[];
  references: string[];
  controls: Control[];
  responseName?: string;
  response?: Buffer;
}

function controlsOf(el: El): Control[] {
  return kids(el, 'control').map((c) => {
    const v = kids(c, 'controlValue')[0];
    return { type: c.attrs.get('type')!, ...(c.attrs.has('criticality') ? { criticality: c.attrs.get('criticality') } : {}), ...(v ? { value: valueBytes(v) } : {}) };
  });
}

function ldapResult(el: El, into: Answer): void {
  const rc = kids(el, 'resultCode')[0];
  if (rc) {
    into.resultCode = Number(rc.attrs.get('code'));
    into.descr = rc.attrs.get('descr');
  }
  const msg = kids(el, 'errorMessage')[0];
  if (msg) into.errorMessage = msg.text;
  if (el.attrs.has('matchedDN')) into.matchedDN = el.attrs.get('matchedDN');
  into.controls.push(...controlsOf(el));
}

/** Every response of a batchResponse, in document order. */
export function answersOf(xml: string): { requestID?: string; answers: Answer[] } {
  const br = batchResponseOf(xml);
  const answers = br.children.map((el): Answer => {
    assert.equal(el.ns, DSML_NS, `<${el.local}> is not in the DSML namespace`);
    const a: Answer = { kind: el.local, ...(el.attrs.has('requestID') ? { requestID: el.attrs.get('requestID') } : {}), entries: [], references: [], controls: [] };
    if (el.local === 'errorResponse') {
      a.errorType = el.attrs.get('type');
      const m = kids(el, 'message')[0];
      if (m) a.message = m.text;
    } else if (el.local === 'searchResponse') {
      for (const e of kids(el, 'searchResultEntry')) {
        const attrs = new Map<string, Buffer[]>();
        for (const at of kids(e, 'attr')) attrs.set(at.attrs.get('name')!, kids(at, 'value').map(valueBytes));
        a.entries.push({ dn: e.attrs.get('dn')!, ...(e.attrs.has('requestID') ? { requestID: e.attrs.get('requestID') } : {}), attrs });
      }
      for (const r of kids(el, 'searchResultReference')) a.references.push(...kids(r, 'ref').map((x) => x.text));
      ldapResult(kid(el, 'searchResultDone'), a);
    } else {
      ldapResult(el, a);
      const name = kids(el, 'responseName')[0];
      if (name) a.responseName = name.text;
      const value = kids(el, 'response')[0];
      if (value) a.response = valueBytes(value);
    }
    return a;
  });
  return { ...(br.attrs.has('requestID') ? { requestID: br.attrs.get('requestID') } : {}), answers };
}

/** The one answer with that requestID. */
export function answerFor(xml: string, requestID: string): Answer {
  const found = answersOf(xml).answers.filter((a) => a.requestID === requestID);
  assert.equal(found.length, 1, `expected one answer for requestID ${requestID}, got ${found.length}`);
  return found[0]!;
}

/** The uid of each entry, sorted (entries named uid=<x>,...). */
export function uidsOf(a: Answer): string[] {
  return a.entries.map((e) => /^uid=([^,]+),/i.exec(e.dn)?.[1] ?? e.dn).sort();
}

export function text(entry: AnswerEntry, name: string): string[] {
  return (entry.attrs.get(name) ?? []).map((b) => b.toString('utf8'));
}

// ---------------------------------------------------------------- the sources, read directly

/** An entry as the source holds it (every attribute as bytes), or undefined when there is none. */
export async function readSource(client: Client, dn: string, attributes: string[] = ['*']): Promise<Map<string, Buffer[]> | undefined> {
  try {
    const names = attributes.filter((a) => a !== '*');
    const { searchEntries } = await client.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes, explicitBufferAttributes: names.length ? names : ['jpegPhoto'] });
    const e = searchEntries[0];
    if (!e) return undefined;
    const out = new Map<string, Buffer[]>();
    for (const [k, v] of Object.entries(e)) {
      if (k === 'dn') continue;
      const list = Array.isArray(v) ? v : [v];
      out.set(k.toLowerCase(), list.map((x) => (Buffer.isBuffer(x) ? x : Buffer.from(String(x), 'utf8'))));
    }
    return out;
  } catch (err) {
    if ((err as { code?: number }).code === 32) return undefined;
    throw err;
  }
}

export async function sourceStrings(client: Client, dn: string, attribute: string): Promise<string[] | undefined> {
  const e = await readSource(client, dn, [attribute]);
  return e === undefined ? undefined : (e.get(attribute.toLowerCase()) ?? []).map((b) => b.toString('utf8'));
}

// ---------------------------------------------------------------- .NET fixtures

const here = path.dirname(fileURLToPath(import.meta.url));
export const DOTNET_DIR = path.resolve(here, '..', '..', 'dsml', 'dotnet');

/** A request exactly as .NET's DsmlSoapHttpConnection writes it (test/dsml/dotnet), with `{{Name}}` filled in. */
export function dotnetRequest(name: string, fill: Record<string, string> = {}): string {
  let xml = readFileSync(path.join(DOTNET_DIR, `${name}.xml`), 'utf8');
  for (const [k, v] of Object.entries(fill)) xml = xml.replaceAll(`{{${k}}}`, v);
  assert.ok(!/\{\{\w+\}\}/.test(xml), `${name}.xml has a placeholder left`);
  return xml;
}

/**
 * The headers .NET's HttpWebRequest sends with the body: no Content-Type,
 * SOAPAction "#batchRequest" with its quotes, Expect: 100-continue (its
 * default for a POST, so the body waits for the server's 100 Continue), and
 * Connection: Keep-Alive.
 */
export const DOTNET_HEADERS = { soapaction: '"#batchRequest"', expect: '100-continue', connection: 'Keep-Alive' };

/**
 * The answer as DsmlResponseDocument reads it: the XPath
 * se:Envelope/se:Body/dsml:batchResponse (SOAP 1.1 only), and for a session
 * se:Envelope/se:Header/ad:Session/@ad:SessionID, else @SessionID.
 */
export function dotnetRead(xml: string): { batchResponse: El; sessionId?: string } {
  const root = parseDocument(xml);
  assert.ok(root.local === 'Envelope' && root.ns === SOAP11_NS, '.NET finds the answer only in a SOAP 1.1 envelope');
  const batchResponse = kids(kid(root, 'Body', SOAP11_NS), 'batchResponse')[0];
  assert.ok(batchResponse, '.NET needs se:Body/dsml:batchResponse');
  const session = kids(root, 'Header', SOAP11_NS).flatMap((h) => kids(h, 'Session', AD_NS))[0];
  const sessionId = session?.attrs.get(`{${AD_NS}}SessionID`) ?? session?.attrs.get('SessionID');
  return { batchResponse, ...(sessionId === undefined ? {} : { sessionId }) };
}
