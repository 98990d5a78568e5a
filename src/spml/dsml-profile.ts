/**
 * The DSMLv2 profile's payload: `dsml:attr` lists in `spml:data`,
 * `dsml:modification` in `spml:modification`, `dsml:filter` and
 * `dsml:attributes` in a search query. Reads them into the directory model
 * and writes PSO data back. Values typed xsd:base64Binary become Buffers;
 * xsd:anyURI values are refused, never dereferenced.
 */
import type { Attribute, Filter, Modification, ModificationOperation, Value } from '../directory/model.js';
import { DirgateError } from '../errors.js';
import { NS, PREFIX, isDsmlPayloadNamespace } from './namespaces.js';
import { attr, resolvePrefix, type XmlElement } from './xml.js';
import { el, isXmlSafeText, textEl } from './xml-write.js';

export function malformed(message: string, reason = 'spml-malformed'): DirgateError {
  return new DirgateError('ERR_MALFORMED_REQUEST', message, { reason });
}

export function dsmlChildren(parent: XmlElement, local?: string): XmlElement[] {
  return parent.children.filter((c) => isDsmlPayloadNamespace(c.uri) && (local === undefined || c.local === local));
}

// RFC 4512 descr or numericoid, with options (;lang-en, ;binary).
const ATTRIBUTE_DESCRIPTION = /^(([A-Za-z][A-Za-z0-9-]*)|([0-2](\.[0-9]+)+))(;[A-Za-z0-9-]+)*$/;

function attributeName(e: XmlElement, what: string): string {
  const name = attr(e, 'name');
  if (name === undefined || !ATTRIBUTE_DESCRIPTION.test(name.trim())) {
    throw malformed(`${what} needs a valid name attribute${name === undefined ? '' : ` (got "${name}")`}`);
  }
  return name.trim();
}

/** A DsmlValue element's value: text, or bytes when typed xsd:base64Binary. */
export function readValue(e: XmlElement): Value {
  const type = attr(e, 'type', NS.xsi);
  if (type !== undefined) {
    const [prefix, local] = type.includes(':') ? type.split(':', 2) as [string, string] : ['', type];
    const uri = resolvePrefix(e, prefix);
    if (uri === NS.xsd && local === 'base64Binary') {
      const compact = e.text.replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) throw malformed('a base64Binary value is not valid base64');
      return Buffer.from(compact, 'base64');
    }
    if (uri === NS.xsd && local === 'anyURI') {
      throw new DirgateError('ERR_UNRESOLVABLE_URI', 'values of type xsd:anyURI are not accepted', { reason: 'dsml-uri-value' });
    }
    if (!(uri === NS.xsd && local === 'string')) throw malformed(`unsupported value type "${type}"`);
  }
  if (e.children.length) throw malformed('a value must hold text only');
  return e.text;
}

function values(e: XmlElement): Value[] {
  return dsmlChildren(e, 'value').map(readValue);
}

/** `dsml:attr` children of a `spml:data` element. */
export function readAttributes(data: XmlElement): Attribute[] {
  const out: Attribute[] = [];
  for (const a of dsmlChildren(data, 'attr')) {
    const type = attributeName(a, 'dsml:attr');
    const existing = out.find((x) => x.type.toLowerCase() === type.toLowerCase());
    if (existing) existing.values.push(...values(a));
    else out.push({ type, values: values(a) });
  }
  return out;
}

const OPERATIONS: ReadonlySet<string> = new Set(['add', 'delete', 'replace']);

/** `dsml:modification` children of a `spml:modification` element. */
export function readModifications(parent: XmlElement): Modification[] {
  return dsmlChildren(parent, 'modification').map((m) => {
    const type = attributeName(m, 'dsml:modification');
    const operation = attr(m, 'operation');
    if (!operation || !OPERATIONS.has(operation)) throw malformed(`dsml:modification "${type}" needs operation add, delete or replace`);
    return { operation: operation as ModificationOperation, attribute: { type, values: values(m) } };
  });
}

function assertion(e: XmlElement, what: string): { attribute: string; value: Value } {
  const vs = dsmlChildren(e, 'value');
  if (vs.length !== 1) throw malformed(`dsml:${what} needs exactly one value`);
  return { attribute: attributeName(e, `dsml:${what}`), value: readValue(vs[0]!) };
}

/** One DSML filter item (`and`, `equalityMatch`, ...) as a model Filter. */
export function readFilterItem(e: XmlElement): Filter {
  if (!isDsmlPayloadNamespace(e.uri)) throw malformed(`"${e.local}" is not a DSML filter element`);
  switch (e.local) {
    case 'and':
    case 'or':
      return { type: e.local, filters: dsmlChildren(e).map(readFilterItem) };
    case 'not': {
      const inner = dsmlChildren(e);
      if (inner.length !== 1) throw malformed('dsml:not needs exactly one filter');
      return { type: 'not', filter: readFilterItem(inner[0]!) };
    }
    case 'equalityMatch': return { type: 'equality', ...assertion(e, 'equalityMatch') };
    case 'greaterOrEqual': return { type: 'greaterOrEqual', ...assertion(e, 'greaterOrEqual') };
    case 'lessOrEqual': return { type: 'lessOrEqual', ...assertion(e, 'lessOrEqual') };
    case 'approxMatch': return { type: 'approx', ...assertion(e, 'approxMatch') };
    case 'present': return { type: 'present', attribute: attributeName(e, 'dsml:present') };
    case 'substrings': {
      const initial = dsmlChildren(e, 'initial');
      const final = dsmlChildren(e, 'final');
      const any = dsmlChildren(e, 'any').map(readValue);
      if (initial.length > 1 || final.length > 1) throw malformed('dsml:substrings has at most one initial and one final');
      if (!initial.length && !final.length && !any.length) throw malformed('dsml:substrings needs initial, any or final');
      return {
        type: 'substrings',
        attribute: attributeName(e, 'dsml:substrings'),
        initial: initial[0] ? readValue(initial[0]) : undefined,
        any,
        final: final[0] ? readValue(final[0]) : undefined,
      };
    }
    case 'extensibleMatch': {
      const vs = dsmlChildren(e, 'value');
      if (vs.length !== 1) throw malformed('dsml:extensibleMatch needs exactly one value');
      const name = attr(e, 'name');
      const matchingRule = attr(e, 'matchingRule');
      if (name === undefined && matchingRule === undefined) throw malformed('dsml:extensibleMatch needs a name or a matchingRule');
      return {
        type: 'extensible',
        attribute: name === undefined ? undefined : attributeName(e, 'dsml:extensibleMatch'),
        matchingRule,
        value: readValue(vs[0]!),
        dnAttributes: parseBoolean(attr(e, 'dnAttributes'), false, 'dnAttributes'),
      };
    }
    default:
      throw malformed(`unknown DSML filter element "${e.local}"`);
  }
}

/** A `dsml:filter` element: exactly one filter item. */
export function readFilter(e: XmlElement): Filter {
  const items = dsmlChildren(e);
  if (items.length !== 1) throw malformed('dsml:filter needs exactly one filter item');
  return readFilterItem(items[0]!);
}

/** `dsml:attributes` -> attribute names. */
export function readAttributeList(e: XmlElement): string[] {
  return dsmlChildren(e, 'attribute').map((a) => attributeName(a, 'dsml:attribute'));
}

export function parseBoolean(v: string | undefined, fallback: boolean, what: string): boolean {
  if (v === undefined) return fallback;
  const t = v.trim();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  throw malformed(`${what} must be true or false`);
}

const D = PREFIX.dsml;

/** Whether writing these attributes needs the xsi and xsd prefixes (base64 values). */
export function needsBase64(attributes: Attribute[]): boolean {
  return attributes.some((a) => a.values.some((v) => typeof v !== 'string' || !isXmlSafeText(v)));
}

function writeValue(v: Value): string {
  if (typeof v === 'string' && isXmlSafeText(v)) return textEl(`${D}:value`, undefined, v);
  const bytes = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
  return textEl(`${D}:value`, { [`${PREFIX.xsi}:type`]: `${PREFIX.xsd}:base64Binary` }, bytes.toString('base64'));
}

/** `dsml:attr` elements for PSO data. */
export function writeAttributes(attributes: Attribute[]): string {
  return attributes.map((a) => el(`${D}:attr`, { name: a.type }, ...a.values.map(writeValue))).join('');
}
