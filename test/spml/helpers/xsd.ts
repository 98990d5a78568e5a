/**
 * Validates SPML responses against the OASIS SPMLv2 schemas with xmllint.
 *
 * pstc_spmlv2_core.xsd limits open content to `##local`, so no DSML-profile
 * payload (dsml:attr in spml:data, spmldsml:schema in spml:schema) and no
 * nested response (in batchResponse, statusResponse) validates against the
 * files as published; see ../../../../shared/oasis/SOURCES.md. So, in a
 * temporary folder and without touching the originals:
 *  - the core schema's ExtensibleType open content is widened to the DSML core
 *    and DSML-profile namespaces, with a `##local` twin that the profile
 *    schema's own types extend (widening theirs would make them ambiguous);
 *  - the DSML core elements the profile uses (attr, modification, filter,
 *    attributes) get global declarations, so lax open content validates them
 *    strictly against dsmlv2.xsd's types;
 *  - a response is validated as pieces: each nested response on its own, and
 *    its parent with them taken out (they sit in open content, where the
 *    schema says nothing about them).
 * Responses with no open content are also validated against the published
 * spmlv2-all.xsd as it is.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { attr, parseXml, resolvePrefix, type XmlElement } from '../../../src/spml/xml.js';
import { escapeAttr, escapeText } from '../../../src/spml/xml-write.js';

const run = promisify(execFile);

const DSML = 'urn:oasis:names:tc:DSML:2:0:core';
const PROFILE = 'urn:oasis:names:tc:SPML:2:0:DSML';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const SPML_PREFIX = 'urn:oasis:names:tc:SPML:2:0';

export function oasisDir(): string {
  const dir = process.env.DIRGATE_OASIS_DIR;
  if (!dir) throw new Error('DIRGATE_OASIS_DIR is not set: run scripts/spml-conformance.mjs <oasis-dir>');
  return dir;
}

export interface SchemaSet {
  /** Widened schema set (see above). */
  patched: string;
  /** The published spmlv2-all.xsd. */
  published: string;
  dispose(): Promise<void>;
}

export async function prepareSchemas(oasis = oasisDir()): Promise<SchemaSet> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dirgate-spml-xsd-'));
  for (const f of await readdir(oasis)) if (f.endsWith('.xsd')) await copyFile(path.join(oasis, f), path.join(dir, f));

  const corePath = path.join(dir, 'pstc_spmlv2_core.xsd');
  let core = await readFile(corePath, 'utf8');
  const extensible = /<complexType name="ExtensibleType">[\s\S]*?<\/complexType>/;
  const original = extensible.exec(core)?.[0];
  if (!original) throw new Error('pstc_spmlv2_core.xsd has no ExtensibleType');
  const widened = original.replace('<any namespace="##local"', `<any namespace="##local ${DSML} ${PROFILE}"`);
  if (widened === original) throw new Error('ExtensibleType open content is not ##local as expected');
  const twin = original.replace('name="ExtensibleType"', 'name="ExtensibleLocalType"');
  core = core.replace(original, `${widened}\n${twin}`);
  await writeFile(corePath, core);

  const profilePath = path.join(dir, 'pstc_spmlv2_dsml.xsd');
  const profile = await readFile(profilePath, 'utf8');
  await writeFile(profilePath, profile.replace(/base="spml:ExtensibleType"/g, 'base="spml:ExtensibleLocalType"'));

  await writeFile(path.join(dir, 'dsml-profile-globals.xsd'), `<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:dsml="${DSML}" targetNamespace="${DSML}" elementFormDefault="qualified">
  <xsd:include schemaLocation="dsmlv2.xsd"/>
  <xsd:element name="attr" type="dsml:DsmlAttr"/>
  <xsd:element name="modification" type="dsml:DsmlModification"/>
  <xsd:element name="filter" type="dsml:Filter"/>
  <xsd:element name="attributes" type="dsml:AttributeDescriptions"/>
</xsd:schema>
`);
  const all = await readFile(path.join(dir, 'spmlv2-all.xsd'), 'utf8');
  await writeFile(path.join(dir, 'spmlv2-patched.xsd'), all.replace('schemaLocation="dsmlv2.xsd"', 'schemaLocation="dsml-profile-globals.xsd"'));
  return {
    patched: path.join(dir, 'spmlv2-patched.xsd'),
    published: path.join(oasis, 'spmlv2-all.xsd'),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Writes an element as a document of its own, declaring every namespace it uses. */
export function standalone(el: XmlElement): string {
  const prefixes = new Map<string, string>();
  const prefixOf = (uri: string) => {
    if (!uri) return '';
    let p = prefixes.get(uri);
    if (!p) {
      p = `n${prefixes.size}`;
      prefixes.set(uri, p);
    }
    return p;
  };
  const write = (e: XmlElement): string => {
    const p = prefixOf(e.uri);
    const name = p ? `${p}:${e.local}` : e.local;
    let attrs = '';
    for (const [k, v] of e.attributes) {
      const m = /^\{(.*)\}(.*)$/.exec(k);
      let value = v;
      if (m && m[1] === XSI && m[2] === 'type' && v.includes(':')) {
        const [qp, ql] = v.split(':', 2) as [string, string];
        value = `${prefixOf(resolvePrefix(e, qp) ?? '')}:${ql}`;
      }
      attrs += m ? ` ${prefixOf(m[1]!)}:${m[2]}="${escapeAttr(value)}"` : ` ${k}="${escapeAttr(value)}"`;
    }
    const inner = e.children.length ? e.children.map(write).join('') : escapeText(e.text);
    return `<${name}${attrs}>${inner}</${name}>`;
  };
  const body = write(el);
  const decls = [...prefixes].map(([uri, p]) => ` xmlns:${p}="${escapeAttr(uri)}"`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body.replace(/^<([^\s>]+)/, `<$1${decls}`)}`;
}

function isSpmlResponse(e: XmlElement): boolean {
  return e.uri.startsWith(SPML_PREFIX) && e.uri !== PROFILE && e.local.endsWith('Response');
}

/** The response split into independently valid pieces (see the file comment). */
export function pieces(response: XmlElement): XmlElement[] {
  const nested = response.children.filter(isSpmlResponse);
  const rest = { ...response, children: response.children.filter((c) => !isSpmlResponse(c)) };
  return [rest, ...nested.flatMap(pieces)];
}

function hasOpenContent(e: XmlElement): boolean {
  const walk = (x: XmlElement): boolean => x.children.some((c) => c.uri === DSML || c.uri === PROFILE || isSpmlResponse(c) || walk(c));
  return walk(e);
}

/** The SPML response element inside a SOAP (or bare) response body. */
export function responseOf(body: string): XmlElement {
  const root = parseXml(body);
  if (root.local !== 'Envelope') return root;
  const b = root.children.find((c) => c.local === 'Body');
  if (!b || b.children.length !== 1) throw new Error('the SOAP Body must hold exactly one element');
  return b.children[0]!;
}

export interface Validation { file: string; ok: boolean; output: string }

/** Validates every piece of every response; returns the failures (empty when all validate). */
export async function validateResponses(schemas: SchemaSet, bodies: string[]): Promise<Validation[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dirgate-spml-msg-'));
  try {
    const patched: string[] = [];
    const published: string[] = [];
    let n = 0;
    for (const body of bodies) {
      for (const piece of pieces(responseOf(body))) {
        const file = path.join(dir, `m${n++}-${piece.local}.xml`);
        await writeFile(file, standalone(piece));
        patched.push(file);
        if (!hasOpenContent(piece)) published.push(file);
      }
    }
    const failures: Validation[] = [];
    for (const [schema, files] of [[schemas.patched, patched], [schemas.published, published]] as const) {
      for (let i = 0; i < files.length; i += 200) {
        const chunk = files.slice(i, i + 200);
        let output: string;
        try {
          const r = await run('xmllint', ['--noout', '--schema', schema, ...chunk], { maxBuffer: 16 * 1024 * 1024 });
          output = `${r.stdout}${r.stderr}`;
        } catch (err) {
          output = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`;
        }
        for (const f of chunk) {
          const ok = output.includes(`${f} validates`);
          if (!ok) {
            const lines = output.split('\n').filter((l) => l.startsWith(f)).join('\n');
            failures.push({ file: f, ok, output: `${path.basename(schema)}: ${lines}\n${await readFile(f, 'utf8')}` });
          }
        }
      }
    }
    return failures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export { attr };
