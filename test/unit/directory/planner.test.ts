import assert from 'node:assert/strict';
import { DirgateError } from '../../../src/errors.js';
import { formatFilter, parseFilter } from '../../../src/directory/view/filter-text.js';
import { planSearch, relax, selectivity } from '../../../src/directory/view/planner.js';
import { compileDemo, demoViews } from './helpers/views.js';

const people = () => compileDemo()[0]!.branches[0]!;
const text = (f: ReturnType<typeof relax>) => (f ? formatFilter(f) : '*');

describe('search planning over a joined branch', () => {
  it('pushes each conjunct of an AND to the source that owns its attributes', () => {
    const b = people();
    const f = parseFilter('(&(departmentNumber=42)(mail=*@corp.example))');
    assert.equal(text(relax(b, b.primary, f)), '(mail=*@corp.example)');
    assert.equal(text(relax(b, b.contributors[0]!, f)), '(departmentNumber=42)');
  });

  it('keeps an OR only when one source can answer every branch of it', () => {
    const b = people();
    assert.equal(text(relax(b, b.primary, parseFilter('(|(cn=a)(title=b))'))), '*');
    assert.equal(text(relax(b, b.primary, parseFilter('(|(cn=a)(sn=b))'))), '(|(cn=a)(sn=b))');
    assert.equal(text(relax(b, b.contributors[0]!, parseFilter('(|(title=a)(departmentNumber=b))'))), '(|(title=a)(departmentNumber=b))');
  });

  it('keeps a NOT only when its whole operand belongs to the source', () => {
    const b = people();
    assert.equal(text(relax(b, b.primary, parseFilter('(!(cn=a))'))), '(!(cn=a))');
    assert.equal(text(relax(b, b.primary, parseFilter('(!(&(cn=a)(title=b)))'))), '*');
  });

  it('never pushes DN-valued attributes or entryDN, whose values differ at the source', () => {
    const b = people();
    assert.equal(text(relax(b, b.contributors[0]!, parseFilter('(&(manager=uid=carol,ou=people,o=example)(title=x))'))), '(title=x)');
    assert.equal(text(relax(b, b.primary, parseFilter('(entryDN=uid=a,ou=people,o=example)'))), '*');
  });

  it('scores selectivity: equality over substrings over presence', () => {
    assert.equal(selectivity(parseFilter('(departmentNumber=42)')), 3);
    assert.equal(selectivity(parseFilter('(cn=al*)')), 2);
    assert.equal(selectivity(parseFilter('(mail=*@corp.example)')), 1);
    assert.equal(selectivity(parseFilter('(objectClass=person)')), 0);
    assert.equal(selectivity(parseFilter('(|(uid=a)(cn=*b))')), 1);
    assert.equal(selectivity(undefined), 0);
  });

  it('lets the contributor drive when its part of the filter is more selective', () => {
    const plan = planSearch(people(), parseFilter('(&(departmentNumber=42)(mail=*@corp.example))'));
    assert.equal(plan.driver.id, 'contributor:0');
    assert.equal(formatFilter(plan.sourceFilters.get('contributor:0')!), '(&(objectClass=inetOrgPerson)(departmentNumber=42))');
    assert.equal(formatFilter(plan.sourceFilters.get('primary')!), '(&(objectClass=inetOrgPerson)(mail=*@corp.example))');
  });

  it('keeps the primary driving on ties and for primary-only filters', () => {
    assert.equal(planSearch(people(), parseFilter('(&(uid=alice)(title=Engineer))')).driver.id, 'primary');
    assert.equal(planSearch(people(), parseFilter('(cn=Alice*)')).driver.id, 'primary');
    assert.equal(planSearch(people(), parseFilter('(objectClass=*)')).driver.id, 'primary');
  });

  it('maps pushed filters into the contributor schema', () => {
    const plan = planSearch(people(), parseFilter('(employeeNumber=1001)'));
    assert.equal(plan.driver.id, 'contributor:0');
    assert.equal(formatFilter(plan.sourceFilters.get('contributor:0')!), '(&(objectClass=inetOrgPerson)(employeeID=1001))');
  });

  it('refuses an unindexed substring that nothing indexed narrows, with adminLimitExceeded', () => {
    assert.throws(() => planSearch(people(), parseFilter('(title=*engineer*)')),
      (e: unknown) => e instanceof DirgateError && e.code === 'ERR_ADMIN_LIMIT_EXCEEDED' && e.reason === 'unindexed-substring' && /title/.test(e.message));
    assert.throws(() => planSearch(people(), parseFilter('(|(uid=alice)(sn=*son))')), /sn/);
  });

  it('allows the same substring once an indexed equality drives the search', () => {
    assert.equal(planSearch(people(), parseFilter('(&(departmentNumber=42)(mail=*@corp.example))')).driver.id, 'contributor:0');
    assert.doesNotThrow(() => planSearch(people(), parseFilter('(&(uid=alice)(title=*eng*))')));
    assert.doesNotThrow(() => planSearch(people(), parseFilter('(cn=Ali*)')));
  });

  it('does not refuse substrings where the branch does not ask to', () => {
    const groups = compileDemo(demoViews)[0]!.branches[1]!;
    assert.doesNotThrow(() => planSearch(groups, parseFilter('(description=*x*)')));
  });
});
