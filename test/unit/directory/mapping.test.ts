import assert from 'node:assert/strict';
import { AttributeMapping } from '../../../src/directory/view/mapping.js';
import { compileDemo } from './helpers/views.js';
import { contributorViewAttributes, ownerOf, primaryViewAttributes, virtualDnFor } from '../../../src/directory/view/branch.js';
import { DnRewriter } from '../../../src/directory/view/dn-rewrite.js';
import { toSourceFilter } from '../../../src/directory/view/planner.js';
import { parseFilter, formatFilter } from '../../../src/directory/view/filter-text.js';

describe('attribute and objectClass mapping into the view', () => {
  const m = new AttributeMapping(
    [{ view: 'employeeNumber', sourceAttribute: 'employeeID', transform: 'none' }, { view: 'mail', sourceAttribute: 'email', transform: 'lowercase' }],
    [{ view: 'person', sourceObjectClass: 'hrPerson' }],
  );

  it('renames both ways, keeping attribute options', () => {
    assert.equal(m.toSource('employeeNumber'), 'employeeID');
    assert.equal(m.toSource('EMPLOYEENUMBER;x-opt'), 'employeeID;x-opt');
    assert.equal(m.toView('employeeid'), 'employeeNumber');
    assert.equal(m.toView('cn'), 'cn');
  });

  it("hides a source attribute whose name a mapping gives to another (hr's own employeeNumber)", () => {
    assert.equal(m.toView('employeeNumber'), undefined);
    const out = m.attributesToView([
      { type: 'employeeID', values: ['1001'] },
      { type: 'employeeNumber', values: ['stale'] },
    ]);
    assert.deepEqual(out, [{ type: 'employeeNumber', values: ['1001'] }]);
  });

  it('applies the declared transform when reading and maps objectClass values both ways', () => {
    const out = m.attributesToView([{ type: 'email', values: ['Alice@Corp.Example'] }, { type: 'objectClass', values: ['top', 'HRPERSON'] }]);
    assert.deepEqual(out, [{ type: 'mail', values: ['alice@corp.example'] }, { type: 'objectClass', values: ['top', 'person'] }]);
    assert.deepEqual(m.attributesToSource([{ type: 'objectClass', values: ['person'] }, { type: 'employeeNumber', values: ['7'] }]), [
      { type: 'objectClass', values: ['hrPerson'] }, { type: 'employeeID', values: ['7'] },
    ]);
  });

  it('maps filters back to source terms', () => {
    const [view] = compileDemo();
    const hr = view!.branches[0]!.contributors[0]!;
    assert.equal(formatFilter(toSourceFilter(hr, parseFilter('(&(employeeNumber=1001)(objectClass=person)(!(title=x*)))'))),
      '(&(employeeID=1001)(objectClass=hrPerson)(!(title=x*)))');
  });

  it('gives contributor-owned attributes to the contributor only, the rest to the primary', () => {
    const [view] = compileDemo();
    const b = view!.branches[0]!;
    assert.equal(ownerOf(b, 'title'), b.contributors[0]);
    assert.equal(ownerOf(b, 'MAIL'), b.primary);
    const primary = primaryViewAttributes(b, { dn: 'uid=alice,ou=people,dc=corp,dc=example', attributes: [
      { type: 'uid', values: ['alice'] }, { type: 'title', values: ['stale corp title'] }, { type: 'mail', values: ['alice@corp.example'] },
    ] });
    assert.deepEqual(primary.map((a) => a.type), ['uid', 'mail']);
    const hr = contributorViewAttributes(b.contributors[0]!, { dn: 'mail=alice@corp.example,ou=people,o=hr', attributes: [
      { type: 'mail', values: ['alice@corp.example'] }, { type: 'cn', values: ['Alice'] }, { type: 'employeeID', values: ['1001'] }, { type: 'title', values: ['Engineer'] },
    ] });
    assert.deepEqual(hr, [{ type: 'employeeNumber', values: ['1001'] }, { type: 'title', values: ['Engineer'] }]);
  });

  it('names virtual entries by the naming attribute under the branch, escaped', () => {
    const [view] = compileDemo();
    const b = view!.branches[0]!;
    assert.equal(virtualDnFor(b, [{ type: 'uid', values: ['alice'] }]), 'uid=alice,ou=people,o=example');
    assert.equal(virtualDnFor(b, [{ type: 'uid', values: ['a,b'] }]), 'uid=a\\,b,ou=people,o=example');
    assert.equal(virtualDnFor(b, [{ type: 'cn', values: ['x'] }]), undefined);
    assert.equal(virtualDnFor(b, [{ type: 'uid', values: ['al', 'alice'] }], 'uid=alice,ou=x,dc=corp,dc=example'), 'uid=alice,ou=people,o=example');
  });

  it('rewrites DN values between a primary namespace and the view', () => {
    const views = compileDemo();
    const r = new DnRewriter(views);
    assert.equal(r.toVirtual('corp', 'uid=alice,ou=people,dc=corp,dc=example'), 'uid=alice,ou=people,o=example');
    assert.equal(r.toVirtual('corp', 'uid=alice,ou=nested,ou=people,dc=corp,dc=example'), 'uid=alice,ou=people,o=example');
    assert.equal(r.toVirtual('corp', 'cn=staff,ou=groups,dc=corp,dc=example'), 'cn=staff,ou=groups,o=example');
    assert.equal(r.toVirtual('corp', 'cn=elsewhere,dc=corp,dc=example'), 'cn=elsewhere,dc=corp,dc=example');
    assert.equal(r.toSource('corp', 'uid=alice,ou=people,o=example'), 'uid=alice,ou=people,dc=corp,dc=example');
    assert.deepEqual(r.attributesToVirtual('corp', [{ type: 'member', values: ['uid=bob,ou=people,dc=corp,dc=example'] }, { type: 'cn', values: ['uid=x,ou=people,dc=corp,dc=example'] }]), [
      { type: 'member', values: ['uid=bob,ou=people,o=example'] }, { type: 'cn', values: ['uid=x,ou=people,dc=corp,dc=example'] },
    ]);
  });
});
