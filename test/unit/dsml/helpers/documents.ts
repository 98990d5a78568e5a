/** Request documents as DSML clients write them, for the DSML unit tests. */
import { dsmlConfig, type DsmlConfigInput } from '../../../../src/dsml/config.js';
import { parseDsmlDocument } from '../../../../src/dsml/parse.js';
import type { DsmlBatchRequest, DsmlOperation, DsmlRequestDocument } from '../../../../src/dsml/types.js';
import { parseXml, type XmlElement } from '../../../../src/dsml/xml/scanner.js';

export const DSML = 'urn:oasis:names:tc:DSML:2:0:core';
export const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
export const XSI_XSD = 'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';

/** A batchRequest with the DSML namespace as default, as .NET writes it. */
export function batch(inner: string, attrs = ''): string {
  return `<batchRequest xmlns="${DSML}" ${XSI_XSD}${attrs ? ` ${attrs}` : ''}>${inner}</batchRequest>`;
}

export function soap11(body: string, header = ''): string {
  return `<se:Envelope xmlns:se="${SOAP11}">${header ? `<se:Header>${header}</se:Header>` : ''}<se:Body>${body}</se:Body></se:Envelope>`;
}

export function soap12(body: string, header = ''): string {
  return `<env:Envelope xmlns:env="${SOAP12}">${header ? `<env:Header>${header}</env:Header>` : ''}<env:Body>${body}</env:Body></env:Envelope>`;
}

export function parse(xml: string, config: DsmlConfigInput = {}): DsmlRequestDocument {
  return parseDsmlDocument(Buffer.from(xml, 'utf8'), { config: dsmlConfig(config) });
}

export function parseBatch(inner: string, attrs = '', config: DsmlConfigInput = {}): DsmlBatchRequest {
  return parse(batch(inner, attrs), config).batch;
}

/** The single operation of a batch holding `inner`. */
export function op(inner: string, config: DsmlConfigInput = {}): DsmlOperation {
  const b = parseBatch(inner, '', config);
  if (b.operations.length !== 1) throw new Error(`expected one operation, got ${b.operations.length}`);
  return b.operations[0]!;
}

export function search(filter: string, extra = ''): string {
  return `<searchRequest dn="o=example" scope="wholeSubtree" derefAliases="neverDerefAliases"${extra}><filter>${filter}</filter></searchRequest>`;
}

/** Parses a response with the same strict scanner (tests read the structure back). */
export function readXml(xml: string): XmlElement {
  return parseXml(xml, { maxDepth: 64, maxElements: 1_000_000 });
}

/** The child elements' local names, in order. */
export function names(el: XmlElement): string[] {
  return el.children.map((c) => c.local);
}

export function child(el: XmlElement, local: string): XmlElement {
  const c = el.children.find((x) => x.local === local);
  if (!c) throw new Error(`no <${local}> in <${el.local}>`);
  return c;
}

export function attrOf(el: XmlElement, name: string): string | undefined {
  return el.attrs.find((a) => a.local === name)?.value;
}

/** The batchResponse element of a response body (bare or in either SOAP version). */
export function batchResponseOf(xml: string): XmlElement {
  const root = readXml(xml);
  if (root.local === 'batchResponse') return root;
  return child(child(root, 'Body'), 'batchResponse');
}
