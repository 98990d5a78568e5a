import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DirgateError } from '../../../src/errors.js';
import { getAttribute } from '../../../src/directory/model.js';
import { parseLdif } from '../../../src/directory/embedded/ldif.js';
import { verifyPassword } from '../../../src/directory/embedded/passwords.js';

const configError = (pattern: RegExp) => (err: unknown) => err instanceof DirgateError && err.code === 'ERR_CONFIG_INVALID' && pattern.test(err.message);

describe('LDIF parsing for the embedded directory', () => {
  it('reads records separated by blank lines, with several values per attribute', () => {
    const entries = parseLdif('version: 1\n\ndn: o=x\nobjectClass: top\nobjectClass: organization\no: x\n\n\ndn: ou=a,o=x\nou: a\n');
    assert.equal(entries.length, 2);
    assert.equal(entries[0]!.dn, 'o=x');
    assert.deepEqual(getAttribute(entries[0]!, 'objectclass')!.values, ['top', 'organization']);
    assert.equal(entries[1]!.dn, 'ou=a,o=x');
  });

  it('skips comments, including folded comment lines, and joins folded lines', () => {
    const text = [
      '# a comment',
      '#  continued',
      ' still the comment',
      'dn: cn=Long Name,',
      ' o=x',
      'description: one',
      '  two',
      '# between attributes',
      'cn: Long Name',
      '',
    ].join('\r\n');
    const [e] = parseLdif(text);
    assert.equal(e!.dn, 'cn=Long Name,o=x');
    assert.deepEqual(getAttribute(e!, 'description')!.values, ['one two']);
    assert.deepEqual(getAttribute(e!, 'cn')!.values, ['Long Name']);
  });

  it('decodes base64 values: UTF-8 text becomes a string, other bytes stay a Buffer', () => {
    const text = `dn:: ${Buffer.from('cn=Zoë,o=x').toString('base64')}\ncn:: ${Buffer.from('Zoë').toString('base64')}\nobjectGUID:: AAEC/w==\ndescription:: /wA=\n`;
    const [e] = parseLdif(text);
    assert.equal(e!.dn, 'cn=Zoë,o=x');
    assert.deepEqual(getAttribute(e!, 'cn')!.values, ['Zoë']);
    assert.deepEqual(getAttribute(e!, 'objectGUID')!.values, [Buffer.from([0, 1, 2, 255])]);
    assert.deepEqual(getAttribute(e!, 'description')!.values, [Buffer.from([255, 0])]);
  });

  it('keeps values of binary attribute types as Buffers even when they look like text', () => {
    const [e] = parseLdif(`dn: cn=x\njpegPhoto:: ${Buffer.from('abc').toString('base64')}\nuserCertificate;binary:: AQI=\n`);
    assert.ok(Buffer.isBuffer(getAttribute(e!, 'jpegPhoto')!.values[0]));
    const cert = getAttribute(e!, 'userCertificate')!;
    assert.equal(cert.type, 'userCertificate');
    assert.deepEqual(cert.values, [Buffer.from([1, 2])]);
  });

  it('accepts changetype add and refuses the other change types with the line number', () => {
    assert.equal(parseLdif('dn: o=x\nchangetype: add\no: x\n').length, 1);
    assert.throws(() => parseLdif('dn: o=x\nchangetype: modify\n', 'seed.ldif'), configError(/seed\.ldif line 2: changetype "modify"/));
  });

  it('refuses URL values, records without dn, and bad base64, naming the line', () => {
    assert.throws(() => parseLdif('dn: o=x\njpegPhoto:< file:///etc/passwd\n'), configError(/line 2: .*URL values/));
    assert.throws(() => parseLdif('o: x\n'), configError(/line 1: a record must start with "dn:"/));
    assert.throws(() => parseLdif('dn: o=x\ncn:: !!!\n'), configError(/line 2: cn: invalid base64/));
    assert.throws(() => parseLdif('dn: o=x\nno colon here\n'), configError(/line 2/));
  });

  it('reads the demo data: alice has a real JPEG photo and hashed passwords that verify', () => {
    const corp = parseLdif(readFileSync('fixtures/demo/corp.ldif', 'utf8'), 'corp.ldif');
    const alice = corp.find((e) => e.dn === 'uid=alice,ou=people,dc=corp,dc=example')!;
    const photo = getAttribute(alice, 'jpegPhoto')!.values[0] as Buffer;
    assert.ok(Buffer.isBuffer(photo));
    assert.deepEqual([...photo.subarray(0, 3)], [0xff, 0xd8, 0xff], 'JPEG start-of-image marker');
    assert.deepEqual([...photo.subarray(-2)], [0xff, 0xd9], 'JPEG end-of-image marker');
    for (const uid of ['alice', 'bob', 'carol', 'admin']) {
      const person = corp.find((e) => e.dn === `uid=${uid},ou=people,dc=corp,dc=example`)!;
      const [hash] = getAttribute(person, 'userPassword')!.values;
      assert.match(String(hash), /^\{SSHA512\}/);
      assert.equal(verifyPassword(`${uid}-pass`, hash!), true, uid);
    }
    const hr = parseLdif(readFileSync('fixtures/demo/hr.ldif', 'utf8'), 'hr.ldif');
    assert.ok(hr.every((e) => !getAttribute(e, 'userPassword')), 'no passwords in hr');
    const aliceHr = hr.find((e) => e.dn === 'mail=alice@corp.example,ou=people,o=hr')!;
    assert.deepEqual(getAttribute(aliceHr, 'title')!.values, ['Engineer']);
    assert.deepEqual(getAttribute(aliceHr, 'departmentNumber')!.values, ['42']);
    const managers = hr.flatMap((e) => getAttribute(e, 'manager')?.values ?? []);
    for (const m of managers) assert.ok(hr.some((e) => e.dn === m), `manager ${String(m)} exists in hr`);
  });
});
