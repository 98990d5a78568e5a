import assert from 'node:assert/strict';
import { DirgateError, type ErrorCode } from '../../../src/errors.js';
import type { Attribute, Modification } from '../../../src/directory/model.js';
import { Dit } from '../../../src/directory/embedded/dit.js';
import { formatDn, keyOf } from '../../../src/directory/embedded/dn.js';
import { verifyPassword } from '../../../src/directory/embedded/passwords.js';

const ADMIN = 'cn=admin,o=x';

function fails(code: ErrorCode, extra: (e: DirgateError) => boolean = () => true) {
  return (err: unknown) => err instanceof DirgateError && err.code === code && extra(err);
}

function attrs(spec: Record<string, string | string[]>): Attribute[] {
  return Object.entries(spec).map(([type, v]) => ({ type, values: Array.isArray(v) ? v : [v] }));
}

/** A tree with a clock the test moves. */
function tree() {
  let now = new Date('2024-05-06T07:08:09.000Z');
  const dit = new Dit('o=x', () => now);
  const tick = (seconds: number) => { now = new Date(now.getTime() + seconds * 1000); };
  const add = (dn: string, spec: Record<string, string | string[]>) => dit.apply(dit.planAdd({ dn, attributes: attrs(spec) }, ADMIN));
  add('o=x', { objectClass: 'organization', o: 'x' });
  add('ou=people,o=x', { objectClass: 'organizationalUnit', ou: 'people' });
  add('uid=alice,ou=people,o=x', { objectClass: 'inetOrgPerson', uid: 'alice', cn: 'Alice', sn: 'A', mail: 'alice@x' });
  const modify = (dn: string, changes: Modification[]) => dit.apply(dit.planModify(dn, changes, ADMIN));
  return { dit, tick, add, modify };
}

const mod = (operation: Modification['operation'], type: string, ...values: string[]): Modification => ({ operation, attribute: { type, values } });

describe('the embedded directory tree and its update rules', () => {
  it('stamps new entries with entryUUID, timestamps and creator', () => {
    const { dit } = tree();
    const alice = dit.get(keyOf('uid=alice,ou=people,o=x'))!;
    assert.match(alice.operational.entryUUID, /^[0-9a-f-]{36}$/);
    assert.equal(alice.operational.createTimestamp, '20240506070809Z');
    assert.equal(alice.operational.modifyTimestamp, '20240506070809Z');
    assert.equal(alice.operational.creatorsName, ADMIN);
  });

  it('refuses an add that exists (68), lacks its parent (32 with the matched DN), objectClass (65) or its naming value (64)', () => {
    const { dit } = tree();
    assert.throws(() => dit.planAdd({ dn: 'UID=Alice,ou=People,o=X', attributes: attrs({ objectClass: 'person', uid: 'Alice' }) }, ADMIN), fails('ERR_ALREADY_EXISTS'));
    assert.throws(() => dit.planAdd({ dn: 'uid=z,ou=nowhere,ou=people,o=x', attributes: attrs({ objectClass: 'person', uid: 'z' }) }, ADMIN),
      fails('ERR_NO_SUCH_OBJECT', (e) => e.ldapCode === 32 && e.matchedDN === 'ou=people,o=x'));
    assert.throws(() => dit.planAdd({ dn: 'uid=z,ou=people,o=x', attributes: attrs({ uid: 'z' }) }, ADMIN), fails('ERR_OBJECT_CLASS_VIOLATION', (e) => e.ldapCode === 65));
    assert.throws(() => dit.planAdd({ dn: 'uid=z,ou=people,o=x', attributes: attrs({ objectClass: 'person', cn: 'z' }) }, ADMIN), fails('ERR_NAMING_VIOLATION', (e) => e.ldapCode === 64));
    assert.throws(() => dit.planAdd({ dn: 'uid=z,ou=people,o=x', attributes: attrs({ objectClass: 'person', uid: 'z', entryUUID: 'x' }) }, ADMIN), fails('ERR_CONSTRAINT_VIOLATION', (e) => e.ldapCode === 19));
    assert.throws(() => dit.planAdd({ dn: 'uid=z,ou=people,o=x', attributes: attrs({ objectClass: 'person', uid: ['z', 'Z'] }) }, ADMIN), fails('ERR_ATTRIBUTE_OR_VALUE_EXISTS'));
  });

  it('planning changes nothing until the record is applied', () => {
    const { dit } = tree();
    const before = dit.size;
    dit.planAdd({ dn: 'uid=bob,ou=people,o=x', attributes: attrs({ objectClass: 'person', uid: 'bob' }) }, ADMIN);
    dit.planDelete('uid=alice,ou=people,o=x');
    assert.equal(dit.size, before);
    assert.ok(dit.get(keyOf('uid=alice,ou=people,o=x')));
  });

  it('modifies with add, delete and replace, and answers 20 and 16 where RFC 4511 says', () => {
    const { dit, modify, tick } = tree();
    const dn = 'uid=alice,ou=people,o=x';
    tick(5);
    modify(dn, [mod('add', 'telephoneNumber', '1', '2'), mod('replace', 'SN', 'Anderson'), mod('delete', 'mail')]);
    const alice = dit.get(keyOf(dn))!;
    assert.deepEqual(alice.attributes.get('telephonenumber')!.values, ['1', '2']);
    assert.deepEqual(alice.attributes.get('sn')!.values, ['Anderson']);
    assert.equal(alice.attributes.get('sn')!.type, 'sn', 'the stored type keeps its first spelling');
    assert.equal(alice.attributes.has('mail'), false);
    assert.equal(alice.operational.modifyTimestamp, '20240506070814Z');
    assert.equal(alice.operational.createTimestamp, '20240506070809Z');
    assert.throws(() => dit.planModify(dn, [mod('add', 'telephoneNumber', '1')], ADMIN), fails('ERR_ATTRIBUTE_OR_VALUE_EXISTS', (e) => e.ldapCode === 20));
    assert.throws(() => dit.planModify(dn, [mod('delete', 'mobile')], ADMIN), fails('ERR_NO_SUCH_ATTRIBUTE', (e) => e.ldapCode === 16));
    assert.throws(() => dit.planModify(dn, [mod('delete', 'telephoneNumber', '3')], ADMIN), fails('ERR_NO_SUCH_ATTRIBUTE'));
    assert.throws(() => dit.planModify(dn, [mod('replace', 'objectClass')], ADMIN), fails('ERR_OBJECT_CLASS_VIOLATION'));
    assert.throws(() => dit.planModify(dn, [mod('delete', 'uid', 'alice')], ADMIN), fails('ERR_NOT_ALLOWED_ON_RDN', (e) => e.ldapCode === 67));
    assert.throws(() => dit.planModify(dn, [mod('replace', 'modifyTimestamp', '1')], ADMIN), fails('ERR_CONSTRAINT_VIOLATION'));
    assert.throws(() => dit.planModify('uid=nobody,ou=people,o=x', [mod('replace', 'cn', 'x')], ADMIN), fails('ERR_NO_SUCH_OBJECT', (e) => e.matchedDN === 'ou=people,o=x'));
    modify(dn, [mod('replace', 'telephoneNumber'), mod('replace', 'mobile')]);
    assert.equal(dit.get(keyOf(dn))!.attributes.has('telephonenumber'), false, 'replace with no values removes');
  });

  it('keeps a modify atomic: one failing change leaves the entry as it was', () => {
    const { dit } = tree();
    const dn = 'uid=alice,ou=people,o=x';
    assert.throws(() => dit.planModify(dn, [mod('replace', 'cn', 'Changed'), mod('delete', 'mobile')], ADMIN));
    assert.deepEqual(dit.get(keyOf(dn))!.attributes.get('cn')!.values, ['Alice']);
  });

  it('stores a clear-text userPassword hashed and can remove it by its clear text', () => {
    const { dit, modify } = tree();
    const dn = 'uid=alice,ou=people,o=x';
    modify(dn, [mod('replace', 'userPassword', 'first-pass')]);
    const [stored] = dit.get(keyOf(dn))!.attributes.get('userpassword')!.values;
    assert.match(String(stored), /^\{SSHA512\}/);
    assert.equal(verifyPassword('first-pass', stored!), true);
    assert.throws(() => dit.planModify(dn, [mod('add', 'userPassword', 'first-pass')], ADMIN), fails('ERR_ATTRIBUTE_OR_VALUE_EXISTS'));
    modify(dn, [mod('delete', 'userPassword', 'first-pass')]);
    assert.equal(dit.get(keyOf(dn))!.attributes.has('userpassword'), false);
  });

  it('refuses to delete an entry with children (66) and deletes a leaf', () => {
    const { dit } = tree();
    assert.throws(() => dit.planDelete('ou=people,o=x'), fails('ERR_NOT_ALLOWED_ON_NON_LEAF', (e) => e.ldapCode === 66));
    dit.apply(dit.planDelete('uid=alice,ou=people,o=x'));
    assert.equal(dit.get(keyOf('uid=alice,ou=people,o=x')), undefined);
    assert.equal(dit.hasChildren(keyOf('ou=people,o=x')), false);
    assert.throws(() => dit.planDelete('uid=alice,ou=people,o=x'), fails('ERR_NO_SUCH_OBJECT'));
  });

  it('renames with and without deleting the old RDN value', () => {
    const { dit } = tree();
    dit.apply(dit.planModifyDn('uid=alice,ou=people,o=x', 'uid=alice2', false, undefined, ADMIN));
    const kept = dit.get(keyOf('uid=alice2,ou=people,o=x'))!;
    assert.deepEqual(kept.attributes.get('uid')!.values, ['alice', 'alice2']);
    dit.apply(dit.planModifyDn('uid=alice2,ou=people,o=x', 'uid=alice3', true, undefined, ADMIN));
    const renamed = dit.get(keyOf('uid=alice3,ou=people,o=x'))!;
    assert.deepEqual(renamed.attributes.get('uid')!.values, ['alice', 'alice3']);
    assert.equal(dit.get(keyOf('uid=alice2,ou=people,o=x')), undefined);
  });

  it('moves a whole subtree under a new superior, keeping the entries below it', () => {
    const { dit, add } = tree();
    add('ou=staff,o=x', { objectClass: 'organizationalUnit', ou: 'staff' });
    const uuid = dit.get(keyOf('uid=alice,ou=people,o=x'))!.operational.entryUUID;
    dit.apply(dit.planModifyDn('ou=people,o=x', 'ou=persons', true, 'ou=staff,o=x', ADMIN));
    const moved = dit.get(keyOf('uid=alice,ou=persons,ou=staff,o=x'));
    assert.ok(moved, 'the child moved with its parent');
    assert.equal(moved.operational.entryUUID, uuid);
    assert.equal(dit.get(keyOf('ou=people,o=x')), undefined);
    assert.deepEqual(dit.get(keyOf('ou=persons,ou=staff,o=x'))!.attributes.get('ou')!.values, ['persons']);
    assert.deepEqual([...dit.all()].map((e) => formatDn(e.dn)), [
      'o=x', 'ou=staff,o=x', 'ou=persons,ou=staff,o=x', 'uid=alice,ou=persons,ou=staff,o=x',
    ]);
  });

  it('refuses renames onto an existing entry (68), below itself or out of the suffix, and of the suffix entry', () => {
    const { dit, add } = tree();
    add('uid=bob,ou=people,o=x', { objectClass: 'person', uid: 'bob' });
    assert.throws(() => dit.planModifyDn('uid=alice,ou=people,o=x', 'uid=bob', true, undefined, ADMIN), fails('ERR_ALREADY_EXISTS'));
    assert.throws(() => dit.planModifyDn('ou=people,o=x', 'ou=p', true, 'uid=alice,ou=people,o=x', ADMIN), fails('ERR_UNWILLING_TO_PERFORM'));
    assert.throws(() => dit.planModifyDn('uid=alice,ou=people,o=x', 'uid=alice', true, 'o=elsewhere', ADMIN), fails('ERR_UNWILLING_TO_PERFORM', (e) => e.ldapCode === 71));
    assert.throws(() => dit.planModifyDn('uid=alice,ou=people,o=x', 'uid=alice', true, 'ou=missing,o=x', ADMIN), fails('ERR_NO_SUCH_OBJECT'));
    assert.throws(() => dit.planModifyDn('o=x', 'o=y', true, undefined, ADMIN), fails('ERR_UNWILLING_TO_PERFORM'));
  });

  it('advances contextCSN on every change, even within one clock tick', () => {
    const { dit, modify } = tree();
    const seen = [dit.contextCSN!];
    for (let i = 0; i < 3; i += 1) {
      modify('uid=alice,ou=people,o=x', [mod('replace', 'description', `v${i}`)]);
      seen.push(dit.contextCSN!);
    }
    assert.match(seen[0]!, /^20240506070809\.\d{6}Z#[0-9a-f]{6}#000#000000$/);
    for (let i = 1; i < seen.length; i += 1) assert.ok(seen[i]! > seen[i - 1]!, `${seen[i]} after ${seen[i - 1]}`);
  });
});
