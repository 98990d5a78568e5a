/**
 * The few LDAP messages the embedded server encodes itself (RFC 4511 section
 * 4.5.2, RFC 2696): search entries, so that DNs go out exactly as stored (the
 * ldapjs DN printer mangles some escapes) and values go out byte for byte, and
 * the search result with its paged-results control.
 */

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

export function octets(value: Buffer | string, tag = 0x04): Buffer {
  return tlv(tag, Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8'));
}

/** A non-negative INTEGER (or ENUMERATED with tag 0x0a), minimal two's complement. */
export function integer(n: number, tag = 0x02): Buffer {
  const bytes: number[] = [];
  let v = n;
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(tag, Buffer.from(bytes));
}

export function sequence(parts: Buffer[], tag = 0x30): Buffer {
  return tlv(tag, Buffer.concat(parts));
}

export interface EncodedControl { oid: string; critical?: boolean; value?: Buffer }

function message(messageId: number, op: Buffer, controls: EncodedControl[] = []): Buffer {
  const parts = [integer(messageId), op];
  if (controls.length) {
    parts.push(sequence(controls.map((c) => sequence([
      octets(c.oid),
      ...(c.critical ? [tlv(0x01, Buffer.from([0xff]))] : []),
      ...(c.value ? [octets(c.value)] : []),
    ])), 0xa0));
  }
  return sequence(parts);
}

export function searchResultEntry(messageId: number, dn: string, attributes: Array<{ type: string; values: Buffer[] }>): Buffer {
  const attrs = attributes.map((a) => sequence([octets(a.type), sequence(a.values.map((v) => octets(v)), 0x31)]));
  return message(messageId, sequence([octets(dn), sequence(attrs)], 0x64));
}

export function searchResultDone(messageId: number, resultCode: number, matchedDN: string, diagnosticMessage: string, controls: EncodedControl[] = []): Buffer {
  return message(messageId, sequence([integer(resultCode, 0x0a), octets(matchedDN), octets(diagnosticMessage)], 0x65), controls);
}

export const PAGED_RESULTS_OID = '1.2.840.113556.1.4.319';

/** realSearchControlValue ::= SEQUENCE { size INTEGER, cookie OCTET STRING } */
export function pagedResultsValue(size: number, cookie: Buffer): Buffer {
  return sequence([integer(size), octets(cookie)]);
}
