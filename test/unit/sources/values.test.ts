import assert from 'node:assert/strict';
import { Attribute, BerReader, BerWriter } from 'ldapts';
import { BinaryAttributes, decodeValue, fromLdapAttribute, toLdapAttribute } from '../../../src/directory/sources/values.js';

/** An attribute as ldapts parses it off the wire. */
function received(type: string, values: Buffer[]): Attribute {
  const writer = new BerWriter();
  new Attribute({ type, values }).write(writer);
  const parsed = new Attribute();
  parsed.parse(new BerReader(writer.buffer));
  return parsed;
}

describe('attribute values between ldapts and the model', () => {
  const binary = new BinaryAttributes(['myBlob']);

  it('knows binary attributes by name, case-insensitively, with options, and by ;binary', () => {
    assert.equal(binary.has('jpegPhoto'), true);
    assert.equal(binary.has('JPEGPHOTO;x-small'), true);
    assert.equal(binary.has('objectGUID'), true);
    assert.equal(binary.has('myblob'), true);
    assert.equal(binary.has('description;binary'), true);
    assert.equal(binary.has('description'), false);
  });

  it('keeps UTF-8 text as a string, a leading byte-order mark included', () => {
    assert.equal(decodeValue(Buffer.from('Ünïcødé ✓', 'utf8'), false), 'Ünïcødé ✓');
    const withBom = Buffer.from([0xef, 0xbb, 0xbf, 0x41]);
    const decoded = decodeValue(withBom, false);
    assert.equal(typeof decoded, 'string');
    assert.deepEqual(Buffer.from(decoded as string, 'utf8'), withBom);
  });

  it('keeps bytes that are not UTF-8, and every value of a binary attribute, as Buffers', () => {
    assert.deepEqual(decodeValue(Buffer.from([0xc3, 0x28]), false), Buffer.from([0xc3, 0x28]));
    assert.deepEqual(decodeValue(Buffer.from('abc'), true), Buffer.from('abc'));
  });

  it('turns a received attribute into model values byte-exact, with a copy that does not pin the message', () => {
    const photo = Buffer.from([0xff, 0xd8, 0x00, 0x41]);
    const attr = fromLdapAttribute(received('jpegPhoto', [photo, Buffer.from('abc')]), binary);
    assert.deepEqual(attr, { type: 'jpegPhoto', values: [photo, Buffer.from('abc')] });
    const mixed = fromLdapAttribute(received('description', [Buffer.from('text'), Buffer.from([0xff])]), binary);
    assert.deepEqual(mixed.values, ['text', Buffer.from([0xff])]);
  });

  it('sends strings as UTF-8 and Buffers as they are', () => {
    const out = toLdapAttribute({ type: 'cn', values: ['Zoë', Buffer.from([0x00, 0xff])] });
    assert.deepEqual(out.values, [Buffer.from('Zoë', 'utf8'), Buffer.from([0x00, 0xff])]);
  });
});
