/**
 * A namespace-aware XML reader that builds a small element tree, refusing what
 * a provisioning request never needs and an attacker would: a DOCTYPE (and so
 * any entity but the five predefined ones), deep nesting and element floods.
 * Text keeps its whitespace exactly; elements are identified by namespace URI.
 */
import { SaxesParser, type SaxesAttributeNS, type SaxesTagNS } from 'saxes';
import { DirgateError } from '../errors.js';

export interface XmlElement {
  uri: string;
  local: string;
  /** Attributes by `{uri}local` (no braces when unqualified). */
  attributes: Map<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element. */
  text: string;
  parent?: XmlElement;
  /** Namespace declarations made on this element (prefix -> URI; '' for the default). */
  declarations: Map<string, string>;
}

export interface XmlLimits {
  maxDepth: number;
  maxElements: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxDepth: 64, maxElements: 200_000 };

function attributeKey(uri: string, local: string): string {
  return uri ? `{${uri}}${local}` : local;
}

/** An attribute's value by namespace URI and local name ('' for unqualified). */
export function attr(el: XmlElement, local: string, uri = ''): string | undefined {
  return el.attributes.get(attributeKey(uri, local));
}

/** Resolves a prefix in scope at `el` ('' is the default namespace). */
export function resolvePrefix(el: XmlElement, prefix: string): string | undefined {
  if (prefix === 'xml') return 'http://www.w3.org/XML/1998/namespace';
  for (let cur: XmlElement | undefined = el; cur; cur = cur.parent) {
    const uri = cur.declarations.get(prefix);
    if (uri !== undefined) return uri;
  }
  return undefined;
}

/** Child elements, optionally only those named `local` in one of `uris`. */
export function childElements(el: XmlElement, local?: string, uris?: ReadonlySet<string> | string): XmlElement[] {
  return el.children.filter((c) => {
    if (local !== undefined && c.local !== local) return false;
    if (uris === undefined) return true;
    return typeof uris === 'string' ? c.uri === uris : uris.has(c.uri);
  });
}

export function parseXml(input: Buffer | string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlElement {
  const text = typeof input === 'string' ? input : decodeUtf8(input);
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let count = 0;
  let refused: DirgateError | undefined;
  let failure: Error | undefined;

  parser.on('doctype', () => {
    refused ??= new DirgateError('ERR_XML_FORBIDDEN_CONSTRUCT', 'a DOCTYPE is not accepted', { reason: 'xml-doctype' });
  });
  parser.on('error', (err) => {
    failure ??= err;
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    count += 1;
    if (count > limits.maxElements) {
      refused ??= new DirgateError('ERR_LIMIT_EXCEEDED', `more than ${limits.maxElements} elements`, { reason: 'xml-too-many-elements' });
    }
    if (stack.length >= limits.maxDepth) {
      refused ??= new DirgateError('ERR_LIMIT_EXCEEDED', `elements nested deeper than ${limits.maxDepth}`, { reason: 'xml-too-deep' });
    }
    const parent = stack[stack.length - 1];
    const attributes = new Map<string, string>();
    const declarations = new Map<string, string>();
    for (const a of Object.values(tag.attributes) as SaxesAttributeNS[]) {
      if (a.prefix === 'xmlns') declarations.set(a.local, a.value);
      else if (a.prefix === '' && a.local === 'xmlns') declarations.set('', a.value);
      else attributes.set(attributeKey(a.uri, a.local), a.value);
    }
    const el: XmlElement = { uri: tag.uri, local: tag.local, attributes, children: [], text: '', parent, declarations };
    if (parent) parent.children.push(el);
    else root = el;
    stack.push(el);
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  const onText = (t: string) => {
    const cur = stack[stack.length - 1];
    if (cur) cur.text += t;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);

  try {
    parser.write(text);
    if (!refused) parser.close();
  } catch (err) {
    failure ??= err as Error;
  }
  if (refused) throw refused;
  if (failure || !root) {
    const detail = failure ? failure.message.replace(/^[^:]*:(\d+:\d+): /, 'at $1: ') : 'no root element';
    throw new DirgateError('ERR_MALFORMED_XML', `the request is not well-formed XML (${detail})`, { reason: 'xml-not-well-formed', cause: failure });
  }
  return root;
}

function decodeUtf8(buf: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf);
  } catch (err) {
    throw new DirgateError('ERR_MALFORMED_XML', 'the request is not valid UTF-8', { reason: 'xml-bad-encoding', cause: err });
  }
}
