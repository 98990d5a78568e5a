/**
 * Turns the filter objects ldapjs parses from a search request into the shared
 * model's Filter tree, which the embedded directory evaluates. Equality values
 * are taken from the filter's own BER so that binary assertions (objectGUID)
 * keep their bytes; ldapjs only exposes them as text.
 */
import { DirgateError } from '../../errors.js';
import type { Filter, Value } from '../model.js';

/** The parts of @ldapjs/filter objects read here. */
interface LdapjsFilter {
  type: string;
  attribute?: string;
  value?: unknown;
  clauses?: LdapjsFilter[];
  filter?: LdapjsFilter;
  initial?: string;
  any?: string[];
  final?: string;
  matchingRule?: string;
  dnAttributes?: boolean;
  toBer?: () => { buffer: Buffer };
}

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return v === undefined || v === null ? '' : String(v);
}

/** Reads the assertion value from `[tag] SEQUENCE { attr OCTET STRING, value OCTET STRING }`. */
function assertionBytes(f: LdapjsFilter): Value {
  const fallback = text(f.value);
  const ber = f.toBer?.().buffer;
  if (!ber) return fallback;
  let pos = 0;
  const readLength = (): number => {
    let len = ber[pos++]!;
    if (len & 0x80) {
      const count = len & 0x7f;
      len = 0;
      for (let i = 0; i < count; i += 1) len = len * 256 + ber[pos++]!;
    }
    return len;
  };
  pos += 1; // filter tag
  readLength();
  pos += 1; // attribute OCTET STRING
  pos += readLength();
  if (ber[pos] !== 0x04) return fallback;
  pos += 1;
  const len = readLength();
  return Buffer.from(ber.subarray(pos, pos + len));
}

export function fromLdapjsFilter(f: LdapjsFilter): Filter {
  const attribute = f.attribute ?? '';
  switch (f.type) {
    case 'AndFilter': return { type: 'and', filters: (f.clauses ?? []).map(fromLdapjsFilter) };
    case 'OrFilter': return { type: 'or', filters: (f.clauses ?? []).map(fromLdapjsFilter) };
    case 'NotFilter': return { type: 'not', filter: fromLdapjsFilter(f.filter!) };
    case 'EqualityFilter': return { type: 'equality', attribute, value: assertionBytes(f) };
    case 'PresenceFilter': return { type: 'present', attribute };
    case 'ApproximateFilter': return { type: 'approx', attribute, value: text(f.value) };
    case 'GreaterThanEqualsFilter': return { type: 'greaterOrEqual', attribute, value: text(f.value) };
    case 'LessThanEqualsFilter': return { type: 'lessOrEqual', attribute, value: text(f.value) };
    case 'SubstringFilter':
      return {
        type: 'substrings',
        attribute,
        ...(f.initial ? { initial: f.initial } : {}),
        any: f.any ?? [],
        ...(f.final ? { final: f.final } : {}),
      };
    case 'ExtensibleFilter':
      return {
        type: 'extensible',
        ...(attribute ? { attribute } : {}),
        ...(f.matchingRule ? { matchingRule: f.matchingRule } : {}),
        value: text(f.value),
        dnAttributes: f.dnAttributes === true,
      };
    default:
      throw new DirgateError('ERR_MALFORMED_REQUEST', `unsupported filter type ${f.type}`, { reason: 'filter-unsupported' });
  }
}
