/**
 * The model's Filter tree as ldapts Filter objects, built from structure: no
 * filter string is ever assembled, so no value can change a filter's shape.
 *
 * ldapts 8 writes equality values byte-exact whether string or Buffer, but its
 * substring, ordering, approximate and extensible filters write values as text
 * only; for those, small subclasses below write the value's bytes instead, so
 * binary assertion values reach the server unchanged.
 */
import {
  AndFilter, ApproximateFilter, EqualityFilter, ExtensibleFilter, GreaterThanEqualsFilter, LessThanEqualsFilter,
  NotFilter, OrFilter, PresenceFilter, SubstringFilter, type BerWriter, type Filter as LdapFilter,
} from 'ldapts';
import { DirgateError } from '../../errors.js';
import type { Filter, Value } from '../model.js';
import { toOctets } from './values.js';

const OCTET_STRING = 0x04;
// Context tags inside SubstringFilter and MatchingRuleAssertion (RFC 4511 section 4.5.1).
const SUB_INITIAL = 0x80;
const SUB_ANY = 0x81;
const SUB_FINAL = 0x82;
const MRA_RULE = 0x81;
const MRA_TYPE = 0x82;
const MRA_VALUE = 0x83;
const MRA_DN_ATTRIBUTES = 0x84;

// An attribute description: a name or OID with options (RFC 4512 section 2.5).
const ATTRIBUTE_DESCRIPTION = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)(?:;[A-Za-z0-9-]+)*$/;
const MATCHING_RULE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)$/;

function attributeDescription(name: string): string {
  if (!ATTRIBUTE_DESCRIPTION.test(name)) {
    throw new DirgateError('ERR_MALFORMED_REQUEST', 'invalid attribute description in filter', { reason: 'invalid-attribute-description' });
  }
  return name;
}

class OctetSubstringFilter extends SubstringFilter {
  constructor(attribute: string, private readonly parts: { initial?: Buffer; any: Buffer[]; final?: Buffer }) {
    super({ attribute });
  }

  override writeFilter(writer: BerWriter): void {
    writer.writeString(this.attribute);
    writer.startSequence();
    if (this.parts.initial !== undefined) writer.writeBuffer(this.parts.initial, SUB_INITIAL);
    for (const part of this.parts.any) writer.writeBuffer(part, SUB_ANY);
    if (this.parts.final !== undefined) writer.writeBuffer(this.parts.final, SUB_FINAL);
    writer.endSequence();
  }
}

class OctetGreaterThanEqualsFilter extends GreaterThanEqualsFilter {
  constructor(attribute: string, private readonly octets: Buffer) {
    super({ attribute });
  }

  override writeFilter(writer: BerWriter): void {
    writer.writeString(this.attribute);
    writer.writeBuffer(this.octets, OCTET_STRING);
  }
}

class OctetLessThanEqualsFilter extends LessThanEqualsFilter {
  constructor(attribute: string, private readonly octets: Buffer) {
    super({ attribute });
  }

  override writeFilter(writer: BerWriter): void {
    writer.writeString(this.attribute);
    writer.writeBuffer(this.octets, OCTET_STRING);
  }
}

class OctetApproximateFilter extends ApproximateFilter {
  constructor(attribute: string, private readonly octets: Buffer) {
    super({ attribute });
  }

  override writeFilter(writer: BerWriter): void {
    writer.writeString(this.attribute);
    writer.writeBuffer(this.octets, OCTET_STRING);
  }
}

class OctetExtensibleFilter extends ExtensibleFilter {
  constructor(options: { matchType?: string; rule?: string; dnAttributes: boolean }, private readonly octets: Buffer) {
    super({ matchType: options.matchType, rule: options.rule, dnAttributes: options.dnAttributes });
  }

  override writeFilter(writer: BerWriter): void {
    if (this.rule) writer.writeString(this.rule, MRA_RULE);
    if (this.matchType) writer.writeString(this.matchType, MRA_TYPE);
    writer.writeBuffer(this.octets, MRA_VALUE);
    if (this.dnAttributes) writer.writeBoolean(true, MRA_DN_ATTRIBUTES);
  }
}

const octets = (v: Value): Buffer => toOctets(v);

export function toLdapFilter(filter: Filter): LdapFilter {
  switch (filter.type) {
    case 'and': return new AndFilter({ filters: filter.filters.map(toLdapFilter) });
    case 'or': return new OrFilter({ filters: filter.filters.map(toLdapFilter) });
    case 'not': return new NotFilter({ filter: toLdapFilter(filter.filter) });
    case 'equality': return new EqualityFilter({ attribute: attributeDescription(filter.attribute), value: octets(filter.value) });
    case 'substrings': {
      if (filter.initial === undefined && filter.any.length === 0 && filter.final === undefined) {
        throw new DirgateError('ERR_MALFORMED_REQUEST', 'a substrings filter needs at least one part', { reason: 'empty-substrings-filter' });
      }
      return new OctetSubstringFilter(attributeDescription(filter.attribute), {
        initial: filter.initial === undefined ? undefined : octets(filter.initial),
        any: filter.any.map(octets),
        final: filter.final === undefined ? undefined : octets(filter.final),
      });
    }
    case 'greaterOrEqual': return new OctetGreaterThanEqualsFilter(attributeDescription(filter.attribute), octets(filter.value));
    case 'lessOrEqual': return new OctetLessThanEqualsFilter(attributeDescription(filter.attribute), octets(filter.value));
    case 'present': return new PresenceFilter({ attribute: attributeDescription(filter.attribute) });
    case 'approx': return new OctetApproximateFilter(attributeDescription(filter.attribute), octets(filter.value));
    case 'extensible': {
      if (filter.attribute === undefined && filter.matchingRule === undefined) {
        throw new DirgateError('ERR_MALFORMED_REQUEST', 'an extensible filter needs an attribute or a matching rule', { reason: 'invalid-extensible-filter' });
      }
      if (filter.matchingRule !== undefined && !MATCHING_RULE.test(filter.matchingRule)) {
        throw new DirgateError('ERR_MALFORMED_REQUEST', 'invalid matching rule in filter', { reason: 'invalid-matching-rule' });
      }
      return new OctetExtensibleFilter({
        matchType: filter.attribute === undefined ? undefined : attributeDescription(filter.attribute),
        rule: filter.matchingRule,
        dnAttributes: filter.dnAttributes,
      }, octets(filter.value));
    }
    default: {
      const unknown: never = filter;
      throw new DirgateError('ERR_MALFORMED_REQUEST', 'unknown filter type', { reason: 'unknown-filter-type', cause: unknown });
    }
  }
}
