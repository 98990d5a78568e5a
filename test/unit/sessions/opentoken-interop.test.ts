import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { DirgateError } from '../../../src/errors.js';
import { OpenTokenCodec, decodeOtkBase64, encodeOtkBase64, parsePayload, serializePayload, type CipherSuite } from '../../../src/sessions/opentoken.js';
import { decodeSessionToken, encodeSessionToken } from '../../../src/sessions/token.js';

// The npm `opentoken` package: an independent implementation of the draft.
type Callback<T> = (err: Error | null, value?: T) => void;
const independent = createRequire(import.meta.url)('opentoken/lib/token.js') as {
  encode(payload: string, suite: number, password: string, cb: Callback<string>): void;
  decode(token: string, suite: number, password: string, cb: Callback<string>): void;
};
const theirEncode = (payload: string, suite: number, password: string) =>
  new Promise<string>((resolve, reject) => independent.encode(payload, suite, password, (e, v) => (e ? reject(e) : resolve(v!))));
const theirDecode = (token: string, suite: number, password: string) =>
  new Promise<string>((resolve, reject) => {
    try {
      independent.decode(token, suite, password, (e, v) => (e ? reject(e) : resolve(v!)));
    } catch (err) {
      reject(err);
    }
  });

const PASSWORD = 'demo-opentoken-password';

function assertTokenInvalid(fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof DirgateError && err.code === 'ERR_AUTHENTICATION_FAILED' && err.reason === 'token-invalid' && err.message === 'authentication failed');
}

describe('OpenToken codec', () => {
  for (const suite of [1, 2] as CipherSuite[]) {
    it(`writes suite ${suite} tokens that the npm opentoken package decodes`, async () => {
      const codec = new OpenTokenCodec({ password: PASSWORD, cipherSuite: suite });
      const token = codec.encode(new Map([['subject', ['uid=bob,ou=people,o=example']], ['sessionId', ['abc']], ['group', ['a', 'b']]]));
      const text = await theirDecode(token.replace(/\+/g, '-').replace(/\//g, '_'), suite, PASSWORD);
      assert.equal(text, 'subject=uid=bob,ou=people,o=example\nsessionId=abc\ngroup=a\ngroup=b');
    });

    it(`reads suite ${suite} tokens that the npm opentoken package wrote`, async () => {
      const token = await theirEncode('subject=carol\nrole=x\nrole=y', suite, PASSWORD);
      const pairs = new OpenTokenCodec({ password: PASSWORD, cipherSuite: suite }).decode(token);
      assert.deepEqual([...pairs], [['subject', ['carol']], ['role', ['x', 'y']]]);
    });
  }

  it('round-trips suite 3 (3DES) with a 24-byte EDE3 key', () => {
    const codec = new OpenTokenCodec({ password: PASSWORD, cipherSuite: 3 });
    const pairs = new Map([['subject', ['alice']]]);
    assert.deepEqual(codec.decode(codec.encode(pairs)), pairs);
  });

  it('writes the standard base64 alphabet with * padding and reads the URL-safe one too', () => {
    const codec = new OpenTokenCodec({ password: PASSWORD });
    for (let i = 0; i < 20; i++) {
      const token = codec.encode(new Map([['subject', ['x'.repeat(i)]]]));
      assert.match(token, /^[A-Za-z0-9+/]+\**$/);
      assert.doesNotMatch(token, /=/);
      codec.decode(token.replace(/\+/g, '-').replace(/\//g, '_'));
    }
    assert.equal(encodeOtkBase64(Buffer.from([0xfb, 0xff])), '+/8*');
    assert.deepEqual(decodeOtkBase64('-_8*'), Buffer.from([0xfb, 0xff]));
  });

  it('refuses a token made with another password as token-invalid', () => {
    const token = new OpenTokenCodec({ password: 'another password' }).encode(new Map([['subject', ['x']]]));
    assertTokenInvalid(() => new OpenTokenCodec({ password: PASSWORD }).decode(token));
  });

  it('refuses every single-byte tampering with the same error, whatever step fails', () => {
    const codec = new OpenTokenCodec({ password: PASSWORD });
    const bytes = decodeOtkBase64(codec.encode(new Map([['subject', ['uid=alice,ou=people,o=example']]])))!;
    for (let i = 0; i < bytes.length; i++) {
      const copy = Buffer.from(bytes);
      copy[i] = copy[i]! ^ 0x01;
      assertTokenInvalid(() => codec.decode(encodeOtkBase64(copy)));
    }
  });

  it('refuses a token of another cipher suite, suite 0, garbage and oversized input alike', () => {
    const codec = new OpenTokenCodec({ password: PASSWORD, cipherSuite: 2 });
    const aes256 = new OpenTokenCodec({ password: PASSWORD, cipherSuite: 1 }).encode(new Map([['subject', ['x']]]));
    assertTokenInvalid(() => codec.decode(aes256));
    const nullSuite = Buffer.concat([Buffer.from('OTK'), Buffer.from([1, 0]), Buffer.alloc(20), Buffer.from([0, 0, 0, 1, 0x41])]);
    assertTokenInvalid(() => codec.decode(encodeOtkBase64(nullSuite)));
    for (const junk of ['', '*', 'not a token', 'T1RL', 'A'.repeat(9000), 'OTK!!!']) assertTokenInvalid(() => codec.decode(junk));
  });

  it('refuses a cipher suite outside 1-3 at construction', () => {
    assert.throws(() => new OpenTokenCodec({ password: PASSWORD, cipherSuite: 0 as CipherSuite }), /cipher suite/);
  });
});

describe('OpenToken payload', () => {
  it('quotes values with white space or quotes and reads them back', () => {
    const pairs = new Map([['subject', ["O'Brien \"the\" great"]], ['empty', ['']], ['multi', ['line one\nline two']]]);
    const text = serializePayload(pairs);
    assert.equal(text, 'subject="O\\\'Brien \\"the\\" great"\nempty=""\nmulti="line one\nline two"');
    assert.deepEqual(parsePayload(text), pairs);
  });

  it('ignores white space around keys and the equals sign, as PingFederate writes it', () => {
    assert.deepEqual([...parsePayload('subject = joe\n  role=a\nrole = \'b c\'\n')], [['subject', ['joe']], ['role', ['a', 'b c']]]);
  });

  it('refuses malformed payloads', () => {
    for (const bad of ['novalue', 'k="unterminated', 'k="x" trailing', '=v']) assert.throws(() => parsePayload(bad));
    assert.throws(() => serializePayload(new Map([['k', ['ends with \\']]])));
    assert.throws(() => serializePayload(new Map([['bad key', ['v']]])));
  });
});

describe('session token claims', () => {
  const codec = new OpenTokenCodec({ password: PASSWORD });
  const claims = {
    subject: 'uid=bob,ou=people,o=example', sessionId: 's1', app: 'mobile-demo',
    notBefore: new Date('2030-01-01T00:00:00Z'), notOnOrAfter: new Date('2030-01-01T00:05:00Z'),
    renewUntil: new Date('2030-01-01T08:00:00Z'), extra: new Map([['department', ['42']]]),
  };

  it('carries subject, times, sessionId, app and extra claims', () => {
    const token = encodeSessionToken(codec, claims);
    assert.deepEqual(decodeSessionToken(codec, token, new Date('2030-01-01T00:01:00Z')), claims);
  });

  it('reports an expired or not yet valid token as authentication failed with its own reason', () => {
    const token = encodeSessionToken(codec, claims);
    assert.throws(() => decodeSessionToken(codec, token, new Date('2030-01-01T00:05:00Z')), { reason: 'token-expired', message: 'authentication failed' });
    assert.throws(() => decodeSessionToken(codec, token, new Date('2029-12-31T23:59:00Z')), { reason: 'token-not-yet-valid' });
  });

  it('checks a token it has already verified against the clock again, and hands each caller its own copy', () => {
    const token = encodeSessionToken(codec, claims);
    const first = decodeSessionToken(codec, token, new Date('2030-01-01T00:01:00Z'));
    first.extra.set('department', ['changed by a caller']);
    first.notOnOrAfter.setTime(Date.parse('2031-01-01T00:00:00Z'));
    assert.deepEqual(decodeSessionToken(codec, token, new Date('2030-01-01T00:02:00Z')), claims);
    assert.throws(() => decodeSessionToken(codec, token, new Date('2030-01-01T00:05:00Z')), { reason: 'token-expired' });
  });

  it('does not take a token verified under one key as verified under another', () => {
    const token = encodeSessionToken(codec, claims);
    decodeSessionToken(codec, token, new Date('2030-01-01T00:01:00Z'));
    const otherKey = new OpenTokenCodec({ password: 'another-opentoken-password' });
    assertTokenInvalid(() => decodeSessionToken(otherKey, token, new Date('2030-01-01T00:01:00Z')));
  });

  it('treats an authentic token without the session keys as invalid', () => {
    assertTokenInvalid(() => decodeSessionToken(codec, codec.encode(new Map([['subject', ['x']]])), new Date()));
  });
});
