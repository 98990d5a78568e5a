/**
 * OpenToken (draft-smith-opentoken-02) codec, as PingFederate's OpenToken
 * adapter reads and writes it: key from the shared password with
 * PBKDF2-HMAC-SHA1 (eight zero bytes of salt, 1000 iterations), HMAC-SHA1 over
 * version, suite, IV, key info and the clear-text payload, DEFLATE (zlib
 * wrapper, RFC 1950), CBC with PKCS#5 padding, base64 with `*` for `=`.
 *
 * The draft MACs the clear text, so the MAC can only be checked after
 * decryption. To leave no padding oracle, every token that gets as far as the
 * cipher goes through the same steps (decrypt without automatic unpadding,
 * padding checked without early exit, inflate, HMAC, constant-time compare)
 * whatever fails on the way, and every failure is the one error
 * `token-invalid`. Suite 0 (no encryption, a bare SHA-1) is refused both
 * ways: anyone could mint such a token.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { DirgateError } from '../errors.js';
import { parsePayload, serializePayload, type OpenTokenPairs } from './opentoken-payload.js';

export type { OpenTokenPairs } from './opentoken-payload.js';
export { parsePayload, serializePayload } from './opentoken-payload.js';

/** 1 = AES-256-CBC, 2 = AES-128-CBC (the draft's and PingFederate's default), 3 = 3DES-168-CBC. */
export type CipherSuite = 1 | 2 | 3;

interface SuiteSpec { cipher: string; keyBytes: number; ivBytes: number }

// 3DES: the draft says 168 bits, but EDE3 takes 24 key bytes (parity bits
// included); PBKDF2 output is a prefix-stable stream, so the first 21 bytes
// are what a 168-bit derivation gives.
const SUITES: Record<CipherSuite, SuiteSpec> = {
  1: { cipher: 'aes-256-cbc', keyBytes: 32, ivBytes: 16 },
  2: { cipher: 'aes-128-cbc', keyBytes: 16, ivBytes: 16 },
  3: { cipher: 'des-ede3-cbc', keyBytes: 24, ivBytes: 8 },
};

const VERSION = 1;
const HEADER = Buffer.from('OTK', 'latin1');
const MAC_BYTES = 20;
const SALT = Buffer.alloc(8);
const ITERATIONS = 1000;
/** Far above any session token; bounds the work an attacker can ask for. */
const MAX_TOKEN_CHARS = 8192;
const MAX_PAYLOAD_BYTES = 64 * 1024;

export function isCipherSuite(value: unknown): value is CipherSuite {
  return value === 1 || value === 2 || value === 3;
}

/** The one error any decoding failure becomes. */
export function tokenInvalid(): DirgateError {
  return new DirgateError('ERR_AUTHENTICATION_FAILED', 'authentication failed', { reason: 'token-invalid' });
}

/** PBKDF2-HMAC-SHA1 as the draft and PingFederate derive the key from the shared password. */
export function deriveOpenTokenKey(password: string, suite: CipherSuite): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), SALT, ITERATIONS, SUITES[suite].keyBytes, 'sha1');
}

/** RFC 4648 base64 (standard alphabet) with `*` in place of `=`. */
export function encodeOtkBase64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=/g, '*');
}

const OTK_BASE64 = /^[A-Za-z0-9+/_-]+[*=]{0,2}$/;
/** Accepts the standard and the URL-safe alphabets (other implementations write either), `*` or `=` padding. */
export function decodeOtkBase64(text: string): Buffer | undefined {
  if (text.length === 0 || text.length > MAX_TOKEN_CHARS || !OTK_BASE64.test(text)) return undefined;
  const standard = text.replace(/\*/g, '=').replace(/-/g, '+').replace(/_/g, '/');
  if (standard.replace(/=+$/, '').length % 4 === 1) return undefined;
  return Buffer.from(standard, 'base64');
}

function macOf(key: Buffer, suite: number, iv: Buffer, keyInfo: Buffer, payload: Buffer): Buffer {
  const hmac = createHmac('sha1', key);
  hmac.update(Buffer.from([VERSION, suite]));
  hmac.update(iv);
  hmac.update(keyInfo);
  hmac.update(payload);
  return hmac.digest();
}

/** PKCS#5 padding check over the whole last block, without data-dependent branches. */
function paddingLength(plain: Buffer, block: number): { valid: boolean; length: number } {
  const pad = plain[plain.length - 1]!;
  let bad = (pad === 0 ? 1 : 0) | (pad > block ? 1 : 0);
  for (let i = 1; i <= block; i++) {
    const inPad = i <= pad ? 1 : 0;
    bad |= inPad & (plain[plain.length - i]! !== pad ? 1 : 0);
  }
  return { valid: bad === 0, length: bad === 0 ? pad : 0 };
}

interface ParsedToken { suite: number; mac: Buffer; iv: Buffer; keyInfo: Buffer; ciphertext: Buffer }

/** The binary layout (draft section 3). Structure alone says nothing about the plaintext, so it may fail early. */
function parseLayout(bytes: Buffer): ParsedToken | undefined {
  let at = 0;
  const take = (n: number): Buffer | undefined => {
    if (at + n > bytes.length) return undefined;
    const out = bytes.subarray(at, at + n);
    at += n;
    return out;
  };
  const header = take(3);
  const fixed = take(2);
  if (!header || !fixed || !header.equals(HEADER) || fixed[0] !== VERSION) return undefined;
  const mac = take(MAC_BYTES);
  const ivLen = take(1)?.[0];
  if (!mac || ivLen === undefined) return undefined;
  const iv = take(ivLen);
  const keyInfoLen = take(1)?.[0];
  if (!iv || keyInfoLen === undefined) return undefined;
  const keyInfo = take(keyInfoLen);
  const lenBytes = take(2);
  if (!keyInfo || !lenBytes) return undefined;
  const ciphertext = take(lenBytes.readUInt16BE(0));
  if (!ciphertext || at !== bytes.length) return undefined;
  return { suite: fixed[1]!, mac, iv, keyInfo, ciphertext };
}

export interface OpenTokenCodecOptions {
  password: string;
  cipherSuite?: CipherSuite;
}

export class OpenTokenCodec {
  readonly cipherSuite: CipherSuite;
  readonly #key: Buffer;

  constructor(options: OpenTokenCodecOptions) {
    const suite = options.cipherSuite ?? 2;
    if (!isCipherSuite(suite)) throw new DirgateError('ERR_CONFIG_INVALID', `unsupported OpenToken cipher suite ${String(suite)}`);
    if (!options.password) throw new DirgateError('ERR_CONFIG_INVALID', 'the OpenToken password is empty');
    this.cipherSuite = suite;
    // Derived once: PBKDF2 per request would cost more than the rest of validation.
    this.#key = deriveOpenTokenKey(options.password, suite);
  }

  encode(pairs: OpenTokenPairs): string {
    const spec = SUITES[this.cipherSuite];
    const payload = Buffer.from(serializePayload(pairs), 'utf8');
    const iv = randomBytes(spec.ivBytes);
    const keyInfo = Buffer.alloc(0);
    const mac = macOf(this.#key, this.cipherSuite, iv, keyInfo, payload);
    const cipher = createCipheriv(spec.cipher, this.#key, iv);
    const ciphertext = Buffer.concat([cipher.update(deflateSync(payload)), cipher.final()]);
    if (ciphertext.length > 0xffff) throw new DirgateError('ERR_LIMIT_EXCEEDED', 'the OpenToken payload is too large');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(ciphertext.length, 0);
    return encodeOtkBase64(Buffer.concat([
      HEADER, Buffer.from([VERSION, this.cipherSuite]), mac, Buffer.from([iv.length]), iv,
      Buffer.from([keyInfo.length]), keyInfo, length, ciphertext,
    ]));
  }

  /** Decodes and authenticates a token; throws `token-invalid` (the same error) for every failure. */
  decode(token: string): OpenTokenPairs {
    const bytes = typeof token === 'string' ? decodeOtkBase64(token.trim()) : undefined;
    const parsed = bytes && parseLayout(bytes);
    const spec = SUITES[this.cipherSuite];
    if (!parsed || parsed.suite !== this.cipherSuite || parsed.iv.length !== spec.ivBytes) throw tokenInvalid();
    const block = spec.ivBytes;
    if (parsed.ciphertext.length === 0 || parsed.ciphertext.length % block !== 0) throw tokenInvalid();

    const decipher = createDecipheriv(spec.cipher, this.#key, parsed.iv);
    decipher.setAutoPadding(false);
    const plain = Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]);
    const padding = paddingLength(plain, block);

    let payload: Buffer = Buffer.alloc(0);
    let inflated = false;
    try {
      payload = inflateSync(plain.subarray(0, plain.length - padding.length), { maxOutputLength: MAX_PAYLOAD_BYTES });
      inflated = true;
    } catch {
      // Carry on to the MAC over an empty payload, so a failure here costs what a MAC failure costs.
    }
    const expected = macOf(this.#key, parsed.suite, parsed.iv, parsed.keyInfo, payload);
    const macOk = timingSafeEqual(expected, parsed.mac);
    if (!(padding.valid && inflated && macOk)) throw tokenInvalid();

    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
      return parsePayload(text);
    } catch {
      throw tokenInvalid();
    }
  }
}

/** A fingerprint of a token for storage and comparison (never store a usable token in clear). */
export function tokenFingerprint(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
