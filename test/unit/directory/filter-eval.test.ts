import assert from 'node:assert/strict';
import type { Entry } from '../../../src/directory/model.js';
import { evaluateFilter, evaluateKnown, matches } from '../../../src/directory/view/filter-eval.js';
import { parseFilter } from '../../../src/directory/view/filter-text.js';

const alice: Entry = {
  dn: 'uid=alice,ou=people,o=example',
  attributes: [
    { type: 'objectClass', values: ['top', 'inetOrgPerson'] },
    { type: 'uid', values: ['alice'] },
    { type: 'cn', values: ['Alice   Anderson'] },
    { type: 'mail', values: ['Alice@Corp.Example'] },
    { type: 'telephoneNumber', values: ['+1 555-0101'] },
    { type: 'departmentNumber', values: ['42'] },
    { type: 'uidNumber', values: ['1001'] },
    { type: 'modifyTimestamp', values: ['20240102030405Z'] },
    { type: 'manager', values: ['uid=carol,ou=people,o=example'] },
    { type: 'jpegPhoto', values: [Buffer.from([0xff, 0xd8, 0x00])] },
    { type: 'userAccountControl', values: ['514'] },
  ],
};

const yes = (f: string) => assert.equal(matches(parseFilter(f), alice), true, f);
const no = (f: string) => assert.equal(matches(parseFilter(f), alice), false, f);

describe('filters evaluated in memory with LDAP matching rules', () => {
  it('matches directory strings case-insensitively with insignificant spaces', () => {
    yes('(mail=alice@corp.example)');
    yes('(cn=alice anderson)');
    yes('(CN= Alice Anderson )');
    no('(cn=alice)');
  });

  it('matches substrings by initial, any and final parts', () => {
    yes('(mail=*@corp.example)');
    yes('(cn=al*and*son)');
    yes('(cn=*ANDER*)');
    no('(cn=*anderson*x)');
    no('(cn=ander*)');
  });

  it('ignores spaces and dashes in telephone numbers', () => {
    yes('(telephoneNumber=+15550101)');
    yes('(telephoneNumber=*0101)');
  });

  it('compares DN-valued attributes as DNs', () => {
    yes('(manager=UID=Carol, OU=People, O=Example)');
    no('(manager=uid=bob,ou=people,o=example)');
  });

  it('orders integers numerically and generalized times by instant', () => {
    yes('(uidNumber>=999)');
    no('(uidNumber<=999)');
    yes('(modifyTimestamp>=20240102030000Z)');
    yes('(modifyTimestamp<=20240102050405+0200)');
    no('(modifyTimestamp>=20240102030406Z)');
  });

  it('compares binary values byte for byte', () => {
    const f = { type: 'equality' as const, attribute: 'jpegPhoto', value: Buffer.from([0xff, 0xd8, 0x00]) };
    assert.equal(matches(f, alice), true);
    assert.equal(matches({ ...f, value: Buffer.from([0xff]) }, alice), false);
  });

  it('treats a missing attribute as FALSE and an undecidable one as Undefined, which NOT keeps', () => {
    assert.equal(evaluateFilter(parseFilter('(title=x)'), alice), false);
    assert.equal(evaluateFilter(parseFilter('(!(title=x))'), alice), true);
    assert.equal(evaluateFilter(parseFilter('(uidNumber>=abc)'), alice), undefined);
    assert.equal(evaluateFilter(parseFilter('(!(uidNumber>=abc))'), alice), undefined);
    assert.equal(matches(parseFilter('(!(uidNumber>=abc))'), alice), false);
    assert.equal(evaluateFilter(parseFilter('(|(uidNumber>=abc)(uid=alice))'), alice), true);
    assert.equal(evaluateFilter(parseFilter('(&(uidNumber>=abc)(uid=bob))'), alice), false);
  });

  it('evaluates presence, including entryDN from the DN itself', () => {
    yes('(jpegPhoto=*)');
    no('(title=*)');
    yes('(entryDN=uid=alice,ou=people,o=example)');
  });

  it('supports extensible matches: exact case, DN attributes and bit masks', () => {
    no('(cn:caseExactMatch:=alice   anderson)');
    yes('(cn:caseExactMatch:=Alice   Anderson)');
    yes('(ou:dn:=people)');
    no('(ou=people)');
    yes('(userAccountControl:1.2.840.113556.1.4.803:=2)');
    no('(userAccountControl:1.2.840.113556.1.4.803:=3)');
    yes('(userAccountControl:1.2.840.113556.1.4.804:=3)');
    assert.equal(evaluateFilter(parseFilter('(cn:1.9.9.9:=x)'), alice), undefined);
  });

  it('combines the demo filter over joined attributes', () => {
    yes('(&(departmentNumber=42)(mail=*@corp.example))');
    no('(&(departmentNumber=7)(mail=*@corp.example))');
  });
});

describe('filters evaluated against an entry only partly known (a changed entry\'s new state)', () => {
  // Known: uid, mail, cn (present) and title (absent); anything else (departmentNumber, telephoneNumber...) is not known.
  const known = new Set(['uid', 'mail', 'cn', 'title', 'objectclass']);
  const partial: Entry = { dn: alice.dn, attributes: alice.attributes.filter((a) => known.has(a.type.toLowerCase())) };
  const tri = (f: string) => evaluateKnown(parseFilter(f), partial, (name) => known.has(name));

  it('decides assertions on known attributes as the full evaluation does, absent ones false', () => {
    assert.equal(tri('(uid=alice)'), true);
    assert.equal(tri('(uid=bob)'), false);
    assert.equal(tri('(mail=*@corp.example)'), true);
    assert.equal(tri('(title=*)'), false);
    assert.equal(tri('(title=Engineer)'), false);
    assert.equal(tri('(title>=A)'), false);
    assert.equal(tri('(entryDN=uid=alice,ou=people,o=example)'), true);
  });

  it('leaves assertions on unknown attributes undefined, even where the full entry would decide them', () => {
    assert.equal(tri('(departmentNumber=42)'), undefined);
    assert.equal(tri('(telephoneNumber=*)'), undefined);
    assert.equal(tri('(!(departmentNumber=7))'), undefined);
    assert.equal(tri('(:caseExactMatch:=alice)'), true);
    assert.equal(tri('(:caseExactMatch:=nobody)'), undefined);
  });

  it('combines with Kleene logic: a false term decides an AND, a true term an OR, NOT keeps undefined', () => {
    assert.equal(tri('(&(uid=bob)(departmentNumber=42))'), false);
    assert.equal(tri('(&(uid=alice)(departmentNumber=42))'), undefined);
    assert.equal(tri('(|(uid=alice)(departmentNumber=7))'), true);
    assert.equal(tri('(|(uid=bob)(departmentNumber=42))'), undefined);
    assert.equal(tri('(!(uid=bob))'), true);
    assert.equal(tri('(!(&(uid=alice)(departmentNumber=42)))'), undefined);
  });

  it('agrees with the full evaluation when every attribute is known', () => {
    for (const f of ['(uid=alice)', '(&(uid=alice)(departmentNumber=42))', '(!(title=*))', '(|(uid=bob)(uidNumber>=1000))']) {
      assert.equal(evaluateKnown(parseFilter(f), alice, () => true), evaluateFilter(parseFilter(f), alice), f);
    }
  });
});
