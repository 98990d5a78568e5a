/**
 * The RFC 2696 paged-results control value, just enough BER to read and
 * rewrite its cookie: SEQUENCE { size INTEGER, cookie OCTET STRING }.
 */

export interface PagedValue {
  size: number;
  cookie: Buffer;
}

function readLength(buf: Buffer, at: number): [length: number, next: number] | undefined {
  if (at >= buf.length) return undefined;
  const first = buf[at]!;
  if (first < 0x80) return [first, at + 1];
  const n = first & 0x7f;
  if (n === 0 || n > 4 || at + 1 + n > buf.length) return undefined;
  let len = 0;
  for (let k = 0; k < n; k++) len = len * 256 + buf[at + 1 + k]!;
  return [len, at + 1 + n];
}

function writeLength(len: number): Buffer {
  if (len < 0x80) return Buffer.from([len]);
  const bytes: number[] = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** Undefined when the bytes are not a paged-results value. */
export function decodePaged(value: Buffer | undefined): PagedValue | undefined {
  if (!value || value[0] !== 0x30) return undefined;
  const seq = readLength(value, 1);
  if (!seq || seq[1] + seq[0] !== value.length) return undefined;
  let at = seq[1];
  if (value[at] !== 0x02) return undefined;
  const int = readLength(value, at + 1);
  if (!int || int[0] < 1 || int[0] > 5) return undefined;
  let size = value[int[1]]! & 0x80 ? -1 : 0;
  for (let k = 0; k < int[0]; k++) size = size * 256 + value[int[1] + k]!;
  at = int[1] + int[0];
  if (value[at] !== 0x04) return undefined;
  const oct = readLength(value, at + 1);
  if (!oct || oct[1] + oct[0] !== value.length) return undefined;
  return { size, cookie: value.subarray(oct[1], oct[1] + oct[0]) };
}

export function encodePaged({ size, cookie }: PagedValue): Buffer {
  const intBytes: number[] = [];
  let v = Math.max(0, Math.floor(size));
  do {
    intBytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  if (intBytes[0]! & 0x80) intBytes.unshift(0);
  const int = Buffer.concat([Buffer.from([0x02, intBytes.length]), Buffer.from(intBytes)]);
  const oct = Buffer.concat([Buffer.from([0x04]), writeLength(cookie.length), cookie]);
  const body = Buffer.concat([int, oct]);
  return Buffer.concat([Buffer.from([0x30]), writeLength(body.length), body]);
}
