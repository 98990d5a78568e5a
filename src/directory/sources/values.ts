/**
 * Attribute values between the model and ldapts, byte-exact.
 *
 * ldapts 8 keeps every received value's raw bytes (`Attribute.parsedBuffers`)
 * and also decodes each with a strict UTF-8 decoder, falling back to a Buffer
 * per value when decoding fails (and always for `;binary` types). We do not use
 * its decoded strings: its decoder drops a leading byte-order mark, so a value
 * starting with EF BB BF would not come back as sent. Instead each raw value
 * becomes a Buffer when its attribute is known to be binary (the default list
 * below plus the source's `binaryAttributes`, or any `;binary` option), else a
 * string when it is valid UTF-8, else a Buffer. A known-binary attribute stays a
 * Buffer even when its bytes happen to be valid UTF-8 (a tiny photo, a GUID).
 */
import { TextDecoder } from 'node:util';
import { Attribute as LdapAttribute } from 'ldapts';
import type { Attribute, Value } from '../model.js';

/** Attributes whose syntax is binary (RFC 4517, RFC 4523, RFC 2798, Active Directory). */
export const DEFAULT_BINARY_ATTRIBUTES: readonly string[] = [
  'jpegPhoto', 'photo', 'audio', 'thumbnailPhoto', 'thumbnailLogo',
  'userCertificate', 'cACertificate', 'authorityRevocationList', 'certificateRevocationList',
  'deltaRevocationList', 'crossCertificatePair', 'userSMIMECertificate', 'userPKCS12', 'supportedAlgorithms',
  'objectGUID', 'objectSid', 'sIDHistory', 'tokenGroups', 'mS-DS-ConsistencyGuid', 'msExchMailboxGuid',
];

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class BinaryAttributes {
  private readonly names: Set<string>;

  constructor(extra: readonly string[] = []) {
    this.names = new Set([...DEFAULT_BINARY_ATTRIBUTES, ...extra].map((n) => n.toLowerCase()));
  }

  /** The attribute description without options decides, except that `;binary` always means binary. */
  has(type: string): boolean {
    const [base, ...options] = type.toLowerCase().split(';');
    return options.includes('binary') || this.names.has(base ?? '');
  }

  /** The names to hand to ldapts's `explicitBufferAttributes`. */
  list(): string[] {
    return [...this.names];
  }
}

/** One received value in the model's form. The Buffer is copied so it does not pin the whole message. */
export function decodeValue(raw: Buffer, binary: boolean): Value {
  if (!binary) {
    try {
      return strictUtf8.decode(raw);
    } catch {
      // not UTF-8: keep the bytes
    }
  }
  return Buffer.from(raw);
}

export function fromLdapAttribute(attribute: LdapAttribute, binary: BinaryAttributes): Attribute {
  const isBinary = binary.has(attribute.type);
  return { type: attribute.type, values: attribute.parsedBuffers.map((raw) => decodeValue(raw, isBinary)) };
}

export function toOctets(value: Value): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

/** An attribute to send: every value as its bytes, so text and binary travel the same way. */
export function toLdapAttribute(attribute: Attribute): LdapAttribute {
  return new LdapAttribute({ type: attribute.type, values: attribute.values.map(toOctets) });
}
