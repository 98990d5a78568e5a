/**
 * A small, strict XML 1.0 + Namespaces scanner that builds a light element tree.
 *
 * Written for DSML requests instead of a general parser because it is faster on
 * this input (bench/dsml-codec.ts) and because every dangerous construct can be
 * refused at the point it is met: a DOCTYPE, any other markup declaration, or a
 * reference to an entity other than the five predefined ones is never expanded,
 * it ends the parse with ERR_XML_FORBIDDEN_CONSTRUCT. Character data is kept
 * exactly as XML defines it (line ends normalised, references decoded), never
 * trimmed; attribute values get XML's attribute-value normalisation.
 */
import { DirgateError } from '../../errors.js';
import { XML_NS } from '../constants.js';

export interface XmlAttr {
  readonly qname: string;
  readonly local: string;
  /** Namespace URI; '' for an unprefixed attribute. */
  readonly ns: string;
  readonly value: string;
}

/**
 * In-scope namespace bindings as a flat list [prefix, uri, prefix, uri, ...],
 * innermost last ('' is the default namespace). Declarations are rare, so a
 * short list scanned from the end beats any map here.
 */
export type NsScope = readonly string[];

/** The URI bound to `prefix` ('' for the default namespace), or undefined. */
export function lookupNs(scope: NsScope, prefix: string): string | undefined {
  for (let k = scope.length - 2; k >= 0; k -= 2) if (scope[k] === prefix) return scope[k + 1];
  return undefined;
}

export interface XmlElement {
  readonly qname: string;
  readonly local: string;
  /** Namespace URI; '' when the element is in no namespace. */
  readonly ns: string;
  readonly attrs: XmlAttr[];
  readonly children: XmlElement[];
  /** The element's own character data (text and CDATA directly inside it), concatenated. */
  text: string;
  readonly scope: NsScope;
}

export interface ScanLimits {
  /** Deepest element nesting accepted. */
  maxDepth: number;
  /** Most elements accepted in one document. */
  maxElements: number;
}

const ROOT_SCOPE: NsScope = Object.freeze(['xml', XML_NS]);

// Characters XML 1.0 does not allow anywhere in a document (CR is normalised away before this runs).
const ILLEGAL_CHARS = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;

function malformed(message: string, reason = 'xml-not-well-formed'): DirgateError {
  return new DirgateError('ERR_MALFORMED_XML', message, { reason });
}

function forbidden(message: string, reason: string): DirgateError {
  return new DirgateError('ERR_XML_FORBIDDEN_CONSTRUCT', message, { reason });
}

function isWs(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

function isLegalCodePoint(cp: number): boolean {
  return cp === 9 || cp === 10 || cp === 13 || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

// Name start characters of XML 1.0 (5th edition), as a regex over the whole name.
const NAME = /^[A-Za-z_:\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\uD800-\uDBFF][-.0-9A-Za-z_:\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C\u200D\u203F\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\uD800-\uDFFF]*$/;

function checkName(name: string, what: string): void {
  if (!NAME.test(name)) throw malformed(`invalid ${what} name`);
}

// ASCII name characters: 1 = may start a name, 2 = may continue one.
const NAME_ASCII = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_:]/.test(ch)) NAME_ASCII[c] = 3;
  else if (/[-.0-9]/.test(ch)) NAME_ASCII[c] = 2;
}

/** End of the name starting at `from`; names with non-ASCII characters are checked by the full rule. */
function scanName(s: string, from: number, what: string): number {
  const first = s.charCodeAt(from);
  let j = from;
  let ascii = true;
  if (first < 128) {
    if (!(NAME_ASCII[first]! & 1)) throw malformed(`invalid ${what} name`);
  } else ascii = false;
  j++;
  for (;;) {
    const c = s.charCodeAt(j);
    if (c < 128) {
      if (!(NAME_ASCII[c]! & 2)) break; // NaN (end of text) lands here too
    } else if (c === c) {
      ascii = false;
    } else break;
    j++;
  }
  if (!ascii) checkName(s.slice(from, j), what);
  return j;
}

/** Decodes the five predefined entities and character references; anything else is refused. */
export function decodeReferences(raw: string): string {
  let amp = raw.indexOf('&');
  if (amp === -1) return raw;
  let out = '';
  let from = 0;
  while (amp !== -1) {
    const semi = raw.indexOf(';', amp + 1);
    if (semi === -1) throw malformed('an entity or character reference is not terminated');
    out += raw.slice(from, amp);
    const name = raw.slice(amp + 1, semi);
    switch (name) {
      case 'lt': out += '<'; break;
      case 'gt': out += '>'; break;
      case 'amp': out += '&'; break;
      case 'quot': out += '"'; break;
      case 'apos': out += "'"; break;
      default: {
        if (name.charCodeAt(0) !== 35 /* # */) {
          if (/^[A-Za-z_:][-.\w:]*$/.test(name)) throw forbidden('references to entities other than the predefined five are refused', 'xml-entity-reference');
          throw malformed('malformed entity reference');
        }
        const hex = name.charCodeAt(1) === 120; /* x */
        const digits = name.slice(hex ? 2 : 1);
        if (!(hex ? /^[0-9A-Fa-f]{1,6}$/ : /^[0-9]{1,7}$/).test(digits)) throw malformed('malformed character reference');
        const cp = parseInt(digits, hex ? 16 : 10);
        if (!isLegalCodePoint(cp)) throw malformed('a character reference names a character XML does not allow');
        out += String.fromCodePoint(cp);
      }
    }
    from = semi + 1;
    amp = raw.indexOf('&', from);
  }
  return out + raw.slice(from);
}

function attributeValue(raw: string): string {
  if (raw.indexOf('<') !== -1) throw malformed("'<' is not allowed in an attribute value");
  // Attribute-value normalisation: literal tab and newline become spaces; references keep their character.
  const spaced = raw.indexOf('\n') === -1 && raw.indexOf('\t') === -1 ? raw : raw.replace(/[\t\n]/g, ' ');
  return decodeReferences(spaced);
}

function parseXmlDeclaration(decl: string): void {
  // Only the pseudo-attributes version, encoding and standalone, in that order.
  if (!/^\s+version\s*=\s*(["'])1\.[0-9]+\1(\s+encoding\s*=\s*(["'])[A-Za-z][-A-Za-z0-9._]*\3)?(\s+standalone\s*=\s*(["'])(yes|no)\5)?\s*$/.test(decl)) {
    throw malformed('malformed XML declaration');
  }
}

/**
 * Parses a whole document held in a string. The returned root element is the
 * document element; comments and processing instructions are skipped.
 */
export function parseXml(source: string, limits: ScanLimits): XmlElement {
  let s = source;
  if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  if (s.indexOf('\r') !== -1) s = s.replace(/\r\n?/g, '\n');
  if (ILLEGAL_CHARS.test(s)) throw malformed('the document contains a character XML does not allow');
  const len = s.length;
  let i = 0;
  if (s.startsWith('<?xml', 0) && isWs(s.charCodeAt(5))) {
    const end = s.indexOf('?>', 5);
    if (end === -1) throw malformed('unterminated XML declaration');
    parseXmlDeclaration(s.slice(5, end));
    i = end + 2;
  }

  let root: XmlElement | undefined;
  const stack: XmlElement[] = [];
  let top: XmlElement | undefined;
  let count = 0;

  while (i < len) {
    const lt = s.indexOf('<', i);
    const textEnd = lt === -1 ? len : lt;
    if (textEnd > i) {
      const raw = s.slice(i, textEnd);
      if (top) {
        if (raw.indexOf(']]>') !== -1) throw malformed("']]>' is not allowed in character data");
        top.text += decodeReferences(raw);
      } else if (!/^\s*$/.test(raw)) {
        throw malformed('text outside the document element');
      }
    }
    if (lt === -1) break;
    const c = s.charCodeAt(lt + 1);

    if (c === 47 /* / */) {
      const gt = s.indexOf('>', lt + 2);
      if (gt === -1) throw malformed('unterminated end tag');
      let name = s.slice(lt + 2, gt);
      if (isWs(name.charCodeAt(name.length - 1))) name = name.trimEnd();
      if (!top || name !== top.qname) throw malformed('end tag does not match the open element');
      stack.pop();
      top = stack.length ? stack[stack.length - 1] : undefined;
      i = gt + 1;
      continue;
    }

    if (c === 33 /* ! */) {
      if (s.startsWith('--', lt + 2)) {
        const end = s.indexOf('--', lt + 4);
        if (end === -1) throw malformed('unterminated comment');
        if (s.charCodeAt(end + 2) !== 62) throw malformed("'--' is not allowed inside a comment");
        i = end + 3;
        continue;
      }
      if (s.startsWith('[CDATA[', lt + 2)) {
        if (!top) throw malformed('CDATA outside the document element');
        const end = s.indexOf(']]>', lt + 9);
        if (end === -1) throw malformed('unterminated CDATA section');
        top.text += s.slice(lt + 9, end);
        i = end + 3;
        continue;
      }
      const word = /^[A-Z]*/.exec(s.slice(lt + 2, lt + 12))?.[0] ?? '';
      throw forbidden(
        word === 'DOCTYPE' ? 'document type declarations are refused' : 'markup declarations are refused',
        word === 'DOCTYPE' ? 'xml-doctype' : 'xml-declaration',
      );
    }

    if (c === 63 /* ? */) {
      const end = s.indexOf('?>', lt + 2);
      if (end === -1) throw malformed('unterminated processing instruction');
      const target = /^[^\s?]*/.exec(s.slice(lt + 2, end))![0];
      if (target.toLowerCase() === 'xml') throw malformed('the XML declaration is only allowed at the start');
      checkName(target, 'processing instruction');
      i = end + 2;
      continue;
    }

    // Start tag.
    if (root && !top) throw malformed('more than one document element');
    let j = scanName(s, lt + 1, 'element');
    const qname = s.slice(lt + 1, j);
    const names: string[] = [];
    const values: string[] = [];
    let selfClosing = false;
    for (;;) {
      const before = j;
      while (j < len && isWs(s.charCodeAt(j))) j++;
      if (j >= len) throw malformed('unterminated start tag');
      const ch = s.charCodeAt(j);
      if (ch === 62 /* > */) { j++; break; }
      if (ch === 47 /* / */) {
        if (s.charCodeAt(j + 1) !== 62) throw malformed("expected '>' after '/'");
        j += 2;
        selfClosing = true;
        break;
      }
      if (j === before) throw malformed('malformed start tag');
      const nameStart = j;
      j = scanName(s, j, 'attribute');
      const aname = s.slice(nameStart, j);
      while (j < len && isWs(s.charCodeAt(j))) j++;
      if (s.charCodeAt(j) !== 61) throw malformed("expected '=' after an attribute name");
      j++;
      while (j < len && isWs(s.charCodeAt(j))) j++;
      const quote = s.charCodeAt(j);
      if (quote !== 34 && quote !== 39) throw malformed('attribute values must be quoted');
      const close = s.indexOf(quote === 34 ? '"' : "'", j + 1);
      if (close === -1) throw malformed('unterminated attribute value');
      if (names.indexOf(aname) !== -1) throw malformed('an attribute appears twice on one element');
      names.push(aname);
      values.push(attributeValue(s.slice(j + 1, close)));
      j = close + 1;
    }
    i = j;

    // Namespace declarations first, then names resolved against them.
    const parentScope = top ? top.scope : ROOT_SCOPE;
    let scope = parentScope;
    for (let k = 0; k < names.length; k++) {
      const aname = names[k]!;
      const value = values[k]!;
      if (aname.charCodeAt(0) === 120 /* x */ && (aname === 'xmlns' || aname.startsWith('xmlns:'))) {
        const prefix = aname.length === 5 ? '' : aname.slice(6);
        if (prefix === 'xmlns' || (prefix === 'xml') !== (value === XML_NS)) throw malformed('reserved namespace prefix misused');
        if (prefix !== '' && value === '') throw malformed('a namespace prefix cannot be undeclared');
        if (prefix.indexOf(':') !== -1) throw malformed('malformed namespace declaration');
        if (scope === parentScope) scope = parentScope.slice();
        (scope as string[]).push(prefix, value);
      }
    }
    const attrs: XmlAttr[] = [];
    for (let k = 0; k < names.length; k++) {
      const aname = names[k]!;
      const value = values[k]!;
      if (aname.charCodeAt(0) === 120 /* x */ && (aname === 'xmlns' || aname.startsWith('xmlns:'))) continue;
      const colon = aname.indexOf(':');
      if (colon === -1) {
        attrs.push({ qname: aname, local: aname, ns: '', value });
      } else {
        const ns = lookupNs(scope, aname.slice(0, colon));
        if (ns === undefined) throw malformed('an attribute uses an undeclared namespace prefix');
        const local = aname.slice(colon + 1);
        if (local === '' || local.indexOf(':') !== -1) throw malformed('malformed attribute name');
        for (const other of attrs) if (other.local === local && other.ns === ns) throw malformed('an attribute appears twice on one element');
        attrs.push({ qname: aname, local, ns, value });
      }
    }
    const colon = qname.indexOf(':');
    let ns: string;
    let local: string;
    if (colon === -1) {
      ns = lookupNs(scope, '') ?? '';
      local = qname;
    } else {
      const bound = lookupNs(scope, qname.slice(0, colon));
      if (bound === undefined) throw malformed('an element uses an undeclared namespace prefix');
      ns = bound;
      local = qname.slice(colon + 1);
      if (local === '' || local.indexOf(':') !== -1) throw malformed('malformed element name');
    }

    if (stack.length >= limits.maxDepth) {
      throw new DirgateError('ERR_LIMIT_EXCEEDED', 'the request nests elements deeper than the configured maximum', { reason: 'dsml-too-deep' });
    }
    if (++count > limits.maxElements) {
      throw new DirgateError('ERR_LIMIT_EXCEEDED', 'the request holds more elements than the configured maximum', { reason: 'dsml-too-many-elements' });
    }
    const el: XmlElement = { qname, local, ns, attrs, children: [], text: '', scope };
    if (top) top.children.push(el);
    else root = el;
    if (!selfClosing) {
      stack.push(el);
      top = el;
    }
  }
  if (stack.length) throw malformed('the document ends inside an element');
  if (!root) throw malformed('the document has no element');
  return root;
}
