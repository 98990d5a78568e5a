/**
 * DSML <filter> to the model Filter tree (dsmlv2.xsd FilterGroup). The tree is
 * built from structure only; nesting deeper than the configured limit is
 * refused with ERR_LIMIT_EXCEEDED before anything runs.
 */
import { DirgateError } from '../errors.js';
import type { Filter, Value } from '../directory/model.js';
import { attr, attributeName, booleanAttr, isDsml, unexpected } from './elements.js';
import { malformed, quote, readValue, type ValueOptions } from './values.js';
import type { XmlElement } from './xml/scanner.js';

export interface FilterOptions extends ValueOptions {
  maxDepth: number;
}

function singleValue(el: XmlElement, options: FilterOptions): Value {
  let value: Value | undefined;
  for (const child of el.children) {
    if (!isDsml(child) || child.local !== 'value') throw unexpected(child, el);
    if (value !== undefined) throw malformed(`<${el.local}> takes exactly one <value>`);
    value = readValue(child, options);
  }
  if (value === undefined) throw malformed(`<${el.local}> needs a <value>`);
  return value;
}

function noChildren(el: XmlElement): void {
  if (el.children.length) throw unexpected(el.children[0]!, el);
}

function substrings(el: XmlElement, options: FilterOptions): Filter {
  const attribute = attributeName(el);
  let initial: Value | undefined;
  let final: Value | undefined;
  const any: Value[] = [];
  // initial?, any*, final? in that order, and at least one of them (RFC 4511 SubstringFilter).
  let stage = 0;
  for (const child of el.children) {
    if (!isDsml(child)) throw unexpected(child, el);
    const v = readValue(child, options);
    if (child.local === 'initial' && stage === 0) { initial = v; stage = 1; }
    else if (child.local === 'any' && stage <= 1) { any.push(v); stage = 1; }
    else if (child.local === 'final' && stage <= 1) { final = v; stage = 2; }
    else if (child.local === 'initial' || child.local === 'any' || child.local === 'final') throw malformed('<substrings> must list initial, any and final in that order');
    else throw unexpected(child, el);
  }
  if (initial === undefined && final === undefined && any.length === 0) throw malformed('<substrings> needs at least one of initial, any or final');
  return { type: 'substrings', attribute, initial, any, final };
}

function item(el: XmlElement, depth: number, options: FilterOptions): Filter {
  if (!isDsml(el)) throw malformed(`unknown filter element <${el.local}> in namespace ${quote(el.ns)}`);
  switch (el.local) {
    case 'and':
    case 'or': {
      if (depth >= options.maxDepth) {
        throw new DirgateError('ERR_LIMIT_EXCEEDED', 'the filter nests deeper than the configured maximum', { reason: 'dsml-filter-too-deep' });
      }
      const filters = el.children.map((c) => item(c, depth + 1, options));
      return el.local === 'and' ? { type: 'and', filters } : { type: 'or', filters };
    }
    case 'not': {
      if (depth >= options.maxDepth) {
        throw new DirgateError('ERR_LIMIT_EXCEEDED', 'the filter nests deeper than the configured maximum', { reason: 'dsml-filter-too-deep' });
      }
      if (el.children.length !== 1) throw malformed('<not> takes exactly one filter');
      return { type: 'not', filter: item(el.children[0]!, depth + 1, options) };
    }
    case 'equalityMatch':
      return { type: 'equality', attribute: attributeName(el), value: singleValue(el, options) };
    case 'greaterOrEqual':
      return { type: 'greaterOrEqual', attribute: attributeName(el), value: singleValue(el, options) };
    case 'lessOrEqual':
      return { type: 'lessOrEqual', attribute: attributeName(el), value: singleValue(el, options) };
    case 'approxMatch':
      return { type: 'approx', attribute: attributeName(el), value: singleValue(el, options) };
    case 'present':
      noChildren(el);
      return { type: 'present', attribute: attributeName(el) };
    case 'substrings':
      return substrings(el, options);
    case 'extensibleMatch': {
      const attribute = attr(el, 'name') === undefined ? undefined : attributeName(el);
      const rule = attr(el, 'matchingRule')?.trim();
      if (rule !== undefined && !/^(?:[0-9]+(?:\.[0-9]+)+|[A-Za-z][A-Za-z0-9-]*)$/.test(rule)) {
        throw malformed(`${quote(rule)} is not a matching rule`);
      }
      // RFC 4511: without a matching rule the attribute type is required.
      if (attribute === undefined && !rule) throw malformed('<extensibleMatch> needs a name or a matchingRule');
      const filter: Filter = { type: 'extensible', value: singleValue(el, options), dnAttributes: booleanAttr(el, 'dnAttributes', false) };
      if (attribute !== undefined) filter.attribute = attribute;
      if (rule) filter.matchingRule = rule;
      return filter;
    }
    default:
      throw malformed(`unknown filter element <${el.local}>`);
  }
}

/** The model filter of a DSML <filter> element (which holds exactly one filter item). */
export function readFilter(filterEl: XmlElement, options: FilterOptions): Filter {
  if (filterEl.children.length !== 1) throw malformed('<filter> takes exactly one filter item');
  return item(filterEl.children[0]!, 0, options);
}
