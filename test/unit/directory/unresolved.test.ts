import assert from 'node:assert/strict';
import { UnresolvedList } from '../../../src/directory/view/unresolved.js';

describe('the unresolved list', () => {
  let t = 0;
  const clock = () => new Date(Date.UTC(2024, 0, 1, 0, 0, t++));
  const orphan = { reason: 'orphan' as const, view: 'o=example', branch: 'people', source: 'hr', sourceDn: 'mail=dave@corp.example,ou=people,o=hr', correlationValue: 'dave@corp.example' };

  it('records each problem once, with when it was first seen', () => {
    const list = new UnresolvedList(clock);
    assert.equal(list.add(orphan), true);
    assert.equal(list.add({ ...orphan, sourceDn: 'MAIL=dave@corp.example,ou=people,o=hr' }), false);
    assert.equal(list.size, 1);
    assert.match(list.list()[0]!.since, /^2024-01-01T/);
  });

  it('replaces a branch on reconciliation, keeping the first-seen time of what is still there', () => {
    const list = new UnresolvedList(clock);
    list.add(orphan);
    list.add({ ...orphan, reason: 'contributor-missing', sourceDn: 'uid=carol', source: 'corp' });
    list.add({ ...orphan, branch: 'groups', sourceDn: 'cn=x' });
    const since = list.list().find((i) => i.reason === 'orphan' && i.branch === 'people')!.since;
    list.replaceBranch('o=example', 'people', 'o=example#people', [{ item: orphan }, { item: { ...orphan, reason: 'primary-ambiguous', sourceDn: 'mail=s' }, block: { partId: 'contributor:0' } }]);
    const items = list.list();
    assert.deepEqual(items.map((i) => `${i.branch}/${i.reason}`), ['groups/orphan', 'people/orphan', 'people/primary-ambiguous']);
    assert.equal(items.find((i) => i.branch === 'people' && i.reason === 'orphan')!.since, since);
    assert.ok(list.isBlocked('o=example#people', 'contributor:0', 'dave@corp.example'));
    list.replaceBranch('o=example', 'people', 'o=example#people', []);
    assert.ok(!list.isBlocked('o=example#people', 'contributor:0', 'dave@corp.example'));
  });
});
