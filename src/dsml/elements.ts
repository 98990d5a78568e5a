/**
 * Reading DSML elements off the XML tree. DSML elements are namespace-qualified;
 * children in no namespace are accepted too, as the Apache Directory parser
 * accepts them, because hand-written clients often leave the namespace off the
 * inner elements. Attributes are unqualified (a DSML-qualified one is accepted,
 * as .NET reads both).
 */
import { DSML_NS } from './constants.js';
import { malformed, quote } from './values.js';
import type { XmlElement } from './xml/scanner.js';

export function isDsml(el: XmlElement): boolean {
  return el.ns === DSML_NS || el.ns === '';
}

export function attr(el: XmlElement, name: string): string | undefined {
  for (const a of el.attrs) {
    if (a.local === name && (a.ns === '' || a.ns === DSML_NS)) return a.value;
  }
  return undefined;
}

export function requiredAttr(el: XmlElement, name: string): string {
  const v = attr(el, name);
  if (v === undefined) throw malformed(`<${el.local}> needs the attribute ${name}`);
  return v;
}

/** xsd:boolean (white space collapsed, as the type defines). */
export function booleanAttr(el: XmlElement, name: string, fallback: boolean): boolean {
  const raw = attr(el, name);
  if (raw === undefined) return fallback;
  switch (raw.trim()) {
    case 'true': case '1': return true;
    case 'false': case '0': return false;
    default: throw malformed(`${name} on <${el.local}> must be true or false, not ${quote(raw)}`);
  }
}

/** DSML's MAXINT: 0 to 2147483647. */
export function maxIntAttr(el: XmlElement, name: string): number {
  const raw = attr(el, name);
  if (raw === undefined) return 0;
  const t = raw.trim();
  if (!/^\+?[0-9]{1,10}$/.test(t) || Number(t) > 2147483647) throw malformed(`${name} on <${el.local}> must be an integer from 0 to 2147483647, not ${quote(raw)}`);
  return Number(t);
}

export function enumAttr<T extends string>(el: XmlElement, name: string, allowed: Record<string, T>, fallback?: T): T {
  const raw = attr(el, name);
  if (raw === undefined) {
    if (fallback !== undefined) return fallback;
    throw malformed(`<${el.local}> needs the attribute ${name}`);
  }
  const v = Object.prototype.hasOwnProperty.call(allowed, raw.trim()) ? allowed[raw.trim()] : undefined;
  if (v === undefined) throw malformed(`${name} on <${el.local}> must be one of ${Object.keys(allowed).join(', ')}, not ${quote(raw)}`);
  return v;
}

// RFC 4512 attribute descriptions (descr or numeric OID, with options); '_' is let through as servers allow it.
const ATTRIBUTE_DESCRIPTION = /^(?:[0-9]+(?:\.[0-9]+)+|[A-Za-z][A-Za-z0-9_-]*)(?:;[A-Za-z0-9_-]+)*$/;

export function attributeName(el: XmlElement, name = 'name'): string {
  const v = requiredAttr(el, name).trim();
  if (!ATTRIBUTE_DESCRIPTION.test(v)) throw malformed(`${quote(v)} is not an attribute description (in <${el.local}>)`);
  return v;
}

export const NUMERIC_OID = /^[0-2](?:\.[0-9]+)+$/;

export function unexpected(child: XmlElement, parent: XmlElement): Error {
  const where = isDsml(child) ? `<${child.local}>` : `<${child.local}> in namespace ${quote(child.ns)}`;
  return malformed(`unexpected element ${where} in <${parent.local}>`);
}
