import assert from 'node:assert/strict';
import { checkViewsConfig, type ViewsCheckInput } from '../../../src/directory/view/config-checks.js';
import { demoViews } from './helpers/views.js';

const base = (): ViewsCheckInput => ({
  sources: [{ name: 'corp', baseDn: 'dc=corp,dc=example' }, { name: 'hr', baseDn: 'o=hr' }],
  views: structuredClone(demoViews),
  profile: { source: 'corp', baseDn: 'ou=dirgate,dc=corp,dc=example' },
});

function problemsAfter(change: (c: ViewsCheckInput) => void): string[] {
  const c = base();
  change(c);
  return checkViewsConfig(c);
}

describe('views configuration checks', () => {
  it('accepts the demo views', () => {
    assert.deepEqual(checkViewsConfig(base()), []);
  });

  it('names the view, branch and key of an unknown source', () => {
    const p = problemsAfter((c) => { c.views[0]!.branches[0]!.contributors[0]!.source = 'payroll'; });
    assert.deepEqual(p, [
      'views[0].branches[0] (people).contributors[0].source: unknown source "payroll"',
      'views[0].branches[0] (people).attributeMap[0].source: "hr" is not a source of this branch',
      'views[0].branches[0] (people).objectClassMap[0].source: "hr" is not a source of this branch',
    ]);
  });

  it('refuses two branches over overlapping virtual DNs', () => {
    const p = problemsAfter((c) => { c.views[0]!.branches[1]!.dn = 'ou=staff,ou=people,o=example'; });
    assert.ok(p.some((x) => /branches\[1\] \(groups\)\.dn: .* overlaps views\[0\]\.branches\[0\] \(people\)/.test(x)), p.join('\n'));
  });

  it('refuses two primaries reading overlapping DNs of one source', () => {
    const p = problemsAfter((c) => { c.views[0]!.branches[1]!.primary.baseDn = 'dc=corp,dc=example'; });
    assert.ok(p.some((x) => /branches\[1\] \(groups\)\.primary\.baseDn: .* overlaps the primary base of .*people/.test(x)), p.join('\n'));
  });

  it('refuses a branch outside its suffix, a base outside its source, and overlapping suffixes', () => {
    const p = problemsAfter((c) => {
      c.views[0]!.branches[1]!.dn = 'ou=groups,o=elsewhere';
      c.views[0]!.branches[0]!.contributors[0]!.baseDn = 'ou=people,o=payroll';
      c.views.push({ suffix: 'ou=x,o=example', branches: [] });
    });
    assert.ok(p.some((x) => /groups\)\.dn: .* must be below the view's suffix/.test(x)));
    assert.ok(p.some((x) => /contributors\[0\]\.baseDn: .* is not inside source hr/.test(x)));
    assert.ok(p.some((x) => /views\[1\] \(ou=x,o=example\)\.suffix: overlaps/.test(x)));
  });

  it("refuses a correlation on an attribute the primary does not have because a contributor owns it", () => {
    const p = problemsAfter((c) => { c.views[0]!.branches[0]!.correlation = { attributes: ['employeeNumber'], normalize: ['trim'] }; });
    assert.ok(p.some((x) => /contributors\[0\]\.attributes\[0\]: "employeeNumber" is a correlation attribute/.test(x)), p.join('\n'));
  });

  it('refuses contributors without a correlation, and a contributor owning the naming attribute', () => {
    const p = problemsAfter((c) => {
      delete c.views[0]!.branches[0]!.correlation;
      c.views[0]!.branches[0]!.contributors[0]!.attributes.push('uid');
    });
    assert.ok(p.some((x) => /people\)\.correlation: a branch with contributors needs a correlation rule/.test(x)));
    assert.ok(p.some((x) => /"uid" names the branch's entries/.test(x)));
  });

  it('refuses branches that would show the extended profile, and a read-only profile', () => {
    const p = problemsAfter((c) => {
      c.views[0]!.branches[1]!.primary.baseDn = 'ou=sessions,ou=dirgate,dc=corp,dc=example';
      c.sources[0]!.readOnly = true;
    });
    assert.ok(p.some((x) => /groups\)\.primary\.baseDn: .* overlaps the extended profile/.test(x)), p.join('\n'));
    assert.ok(p.some((x) => /^profile\.source: .* read-only/.test(x)));
  });

  it('refuses a view over the gateway subtree, bad DNs and bad filters, all at once', () => {
    const p = problemsAfter((c) => {
      c.views[0]!.suffix = 'o=gateway';
      c.views[0]!.branches[0]!.primary.filter = '(objectClass=inetOrgPerson';
      c.views[0]!.branches[1]!.dn = 'not a dn';
    });
    assert.ok(p.some((x) => /suffix: overlaps o=gateway/.test(x)));
    assert.ok(p.some((x) => /primary\.filter: .* is not an LDAP filter/.test(x)));
    assert.ok(p.some((x) => /groups\)\.dn: "not a dn" is not a distinguished name/.test(x)));
  });

  it('refuses a mapping that maps a name twice or transforms the correlation attribute', () => {
    const p = problemsAfter((c) => {
      c.views[0]!.branches[0]!.attributeMap.push({ view: 'employeeNumber', source: 'hr', sourceAttribute: 'empNo', transform: 'none' });
      c.views[0]!.branches[0]!.attributeMap.push({ view: 'mail', source: 'corp', sourceAttribute: 'email', transform: 'lowercase' });
    });
    assert.ok(p.some((x) => /attributeMap\[1\]\.view: "employeeNumber" is already mapped from hr/.test(x)));
    assert.ok(p.some((x) => /attributeMap\[2\]\.transform: "mail" names or joins entries/.test(x)));
  });

  it('refuses profile attributes owned twice and without a profile section', () => {
    const p = problemsAfter((c) => {
      c.views[0]!.branches[0]!.profile = { attributes: ['title'] };
      delete c.profile;
    });
    assert.ok(p.some((x) => /people\)\.profile: needs the top-level "profile" section/.test(x)));
    assert.ok(p.some((x) => /profile\.attributes\[0\]: "title" is already owned/.test(x)));
  });
});
