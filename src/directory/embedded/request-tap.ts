/**
 * Reads, from the bytes a client sends, the parts of requests that ldapjs 3
 * loses, before ldapjs parses them:
 * - search filters: ldapjs turns a parsed filter into a string and parses that
 *   again, which leaves escapes in values (`Zoë` arrives as `Zo\c3\ab`) and
 *   closes the connection on some binary values. The tap decodes the filter
 *   itself (RFC 4511 section 4.5.1.7) and hands ldapjs `(objectClass=*)` in
 *   its place.
 * - the attribute types of an add request, which ldapjs lowercases.
 * - the assertion value of a compare request, which ldapjs reads as text.
 * The handlers then take these by message id; ldapjs still does everything else.
 */
import type { Socket } from 'node:net';
import { isUtf8 } from 'node:buffer';
import { DirgateError } from '../../errors.js';
import type { Filter, Value } from '../model.js';
import { octets, sequence, tlv } from './ber.js';

/** An element: `offset` of its tag, `start` and `end` of its content. */
interface Tlv { tag: number; offset: number; start: number; end: number }

/** One TLV at `offset`; undefined when the buffer does not hold all of it yet. */
function readTlv(buf: Buffer, offset: number): Tlv | undefined {
  if (offset + 2 > buf.length) return undefined;
  const tag = buf[offset]!;
  let len = buf[offset + 1]!;
  let start = offset + 2;
  if (len & 0x80) {
    const count = len & 0x7f;
    if (count === 0 || count > 4) throw new Error('unsupported BER length');
    if (start + count > buf.length) return undefined;
    len = 0;
    for (let i = 0; i < count; i += 1) len = len * 256 + buf[start + i]!;
    start += count;
  }
  if (start + len > buf.length) return undefined;
  return { tag, offset, start, end: start + len };
}

function children(buf: Buffer, t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let pos = t.start; pos < t.end;) {
    const c = readTlv(buf, pos);
    if (!c || c.end > t.end) throw new Error('truncated BER element');
    out.push(c);
    pos = c.end;
  }
  return out;
}

const text = (buf: Buffer, t: Tlv) => buf.subarray(t.start, t.end).toString('utf8');
function value(buf: Buffer, t: Tlv): Value {
  const bytes = Buffer.from(buf.subarray(t.start, t.end));
  return isUtf8(bytes) ? bytes.toString('utf8') : bytes;
}

function malformed(why: string): DirgateError {
  return new DirgateError('ERR_MALFORMED_REQUEST', `malformed search filter: ${why}`, { reason: 'filter-malformed' });
}

/** Decodes one Filter element (RFC 4511 section 4.5.1). */
export function decodeFilter(buf: Buffer, t: Tlv = readTlv(buf, 0)!): Filter {
  if (!t) throw malformed('empty');
  const assertion = (): [string, Value] => {
    const [attr, val] = children(buf, t);
    if (!attr || !val) throw malformed('incomplete assertion');
    return [text(buf, attr), value(buf, val)];
  };
  switch (t.tag) {
    case 0xa0: return { type: 'and', filters: children(buf, t).map((c) => decodeFilter(buf, c)) };
    case 0xa1: return { type: 'or', filters: children(buf, t).map((c) => decodeFilter(buf, c)) };
    case 0xa2: {
      const [inner] = children(buf, t);
      if (!inner) throw malformed('empty not');
      return { type: 'not', filter: decodeFilter(buf, inner) };
    }
    case 0xa3: { const [attribute, v] = assertion(); return { type: 'equality', attribute, value: v }; }
    case 0xa5: { const [attribute, v] = assertion(); return { type: 'greaterOrEqual', attribute, value: v }; }
    case 0xa6: { const [attribute, v] = assertion(); return { type: 'lessOrEqual', attribute, value: v }; }
    case 0xa8: { const [attribute, v] = assertion(); return { type: 'approx', attribute, value: v }; }
    case 0x87: return { type: 'present', attribute: text(buf, t) };
    case 0xa4: {
      const [attr, subs] = children(buf, t);
      if (!attr || !subs) throw malformed('incomplete substrings');
      const f: Extract<Filter, { type: 'substrings' }> = { type: 'substrings', attribute: text(buf, attr), any: [] };
      for (const s of children(buf, subs)) {
        if (s.tag === 0x80) f.initial = value(buf, s);
        else if (s.tag === 0x81) f.any.push(value(buf, s));
        else if (s.tag === 0x82) f.final = value(buf, s);
        else throw malformed('unknown substring part');
      }
      return f;
    }
    case 0xa9: {
      const f: Extract<Filter, { type: 'extensible' }> = { type: 'extensible', value: '', dnAttributes: false };
      for (const c of children(buf, t)) {
        if (c.tag === 0x81) f.matchingRule = text(buf, c);
        else if (c.tag === 0x82) f.attribute = text(buf, c);
        else if (c.tag === 0x83) f.value = value(buf, c);
        else if (c.tag === 0x84) f.dnAttributes = buf[c.start] !== 0;
      }
      return f;
    }
    default:
      throw malformed(`unknown filter choice 0x${t.tag.toString(16)}`);
  }
}

const SEARCH_REQUEST = 0x63;
const ADD_REQUEST = 0x68;
const COMPARE_REQUEST = 0x6e;
/** `(objectClass=*)`, what ldapjs is given in place of the real filter. */
const PRESENT_OBJECT_CLASS = octets('objectClass', 0x87);
const MAX_PENDING = 256;

export interface TappedRequest {
  /** Search: the filter as sent, or why it could not be read. */
  filter?: Filter;
  filterError?: DirgateError;
  /** Add: the attribute types as the client spelled them, in order. */
  addTypes?: string[];
  /** Compare: the assertion value's bytes. */
  assertion?: Value;
}

class ConnectionTap {
  private pending: Buffer = Buffer.alloc(0);
  readonly requests = new Map<number, TappedRequest>();

  /** Returns the bytes to hand to ldapjs for this chunk (complete messages only, rewritten where needed). */
  process(chunk: Buffer): Buffer {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Buffer[] = [];
    let pos = 0;
    for (;;) {
      let message: Tlv | undefined;
      try {
        message = readTlv(this.pending, pos);
      } catch {
        // Not BER we understand: let ldapjs see it all and answer as it does.
        out.push(this.pending.subarray(pos));
        pos = this.pending.length;
        break;
      }
      if (!message) break;
      out.push(this.inspect(this.pending.subarray(pos, message.end), message.end - pos));
      pos = message.end;
    }
    this.pending = Buffer.from(this.pending.subarray(pos));
    return Buffer.concat(out);
  }

  private inspect(bytes: Buffer, length: number): Buffer {
    try {
      const msg = readTlv(bytes, 0)!;
      if (msg.tag !== 0x30 || msg.end !== length) return bytes;
      const parts = children(bytes, msg);
      const [id, op] = parts;
      if (!id || !op || id.tag !== 0x02) return bytes;
      let messageId = 0;
      for (let i = id.start; i < id.end; i += 1) messageId = messageId * 256 + bytes[i]!;
      if (op.tag === SEARCH_REQUEST) return this.search(bytes, messageId, parts, op);
      if (op.tag === ADD_REQUEST) {
        const [, attrs] = children(bytes, op);
        if (attrs) this.remember(messageId, { addTypes: children(bytes, attrs).map((a) => text(bytes, children(bytes, a)[0]!)) });
      } else if (op.tag === COMPARE_REQUEST) {
        const [, ava] = children(bytes, op);
        const val = ava ? children(bytes, ava)[1] : undefined;
        if (val) this.remember(messageId, { assertion: value(bytes, val) });
      }
    } catch {
      // Malformed: ldapjs answers it.
    }
    return bytes;
  }

  private search(bytes: Buffer, messageId: number, parts: Tlv[], op: Tlv): Buffer {
    const fields = children(bytes, op);
    const filterTlv = fields[6];
    if (!filterTlv) return bytes;
    const tapped: TappedRequest = {};
    try {
      tapped.filter = decodeFilter(bytes, filterTlv);
    } catch (err) {
      tapped.filterError = err instanceof DirgateError ? err : malformed((err as Error).message);
    }
    this.remember(messageId, tapped);
    const raw = (t: Tlv) => bytes.subarray(t.offset, t.end);
    const newOp = tlv(op.tag, Buffer.concat(fields.map((f, i) => (i === 6 ? PRESENT_OBJECT_CLASS : raw(f)))));
    return sequence(parts.map((p) => (p === op ? newOp : raw(p))));
  }

  private remember(messageId: number, tapped: TappedRequest): void {
    this.requests.set(messageId, tapped);
    while (this.requests.size > MAX_PENDING) this.requests.delete(this.requests.keys().next().value!);
  }
}

/** Per-connection taps; `install` puts one in front of ldapjs's own reader. */
export class RequestTap {
  private readonly taps = new WeakMap<Socket, ConnectionTap>();

  install(socket: Socket): void {
    const ldapjsReaders = socket.listeners('data') as Array<(chunk: Buffer) => void>;
    for (const reader of ldapjsReaders) socket.removeListener('data', reader);
    const tap = new ConnectionTap();
    this.taps.set(socket, tap);
    socket.on('data', (chunk: Buffer) => {
      const forward = tap.process(chunk);
      if (forward.length) for (const reader of ldapjsReaders) reader(forward);
    });
  }

  /** Takes what the tap read for a request (once). */
  take(socket: Socket, messageId: number): TappedRequest | undefined {
    const tap = this.taps.get(socket);
    const tapped = tap?.requests.get(messageId);
    tap?.requests.delete(messageId);
    return tapped;
  }
}
