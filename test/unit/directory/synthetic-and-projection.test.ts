import assert from 'node:assert/strict';
import { syntheticEntries } from '../../../src/directory/view/synthetic.js';
import { project, selection } from '../../../src/directory/view/project.js';
import { compileDemo } from './helpers/views.js';

describe("the view's own entries and what a search returns of an entry", () => {
  it('shows the suffix and each branch as container entries, parents first', () => {
    const s = syntheticEntries(compileDemo());
    assert.deepEqual(s.map((e) => e.entry.dn), ['o=example', 'ou=people,o=example', 'ou=groups,o=example']);
    assert.deepEqual(s[0]!.entry.attributes, [{ type: 'objectClass', values: ['top', 'organization'] }, { type: 'o', values: ['example'] }]);
    assert.deepEqual(s[1]!.entry.attributes[0], { type: 'objectClass', values: ['top', 'organizationalUnit'] });
  });

  const e = {
    dn: 'uid=alice,ou=people,o=example',
    attributes: [
      { type: 'uid', values: ['alice'] }, { type: 'mail', values: ['a@x'] },
      { type: 'modifyTimestamp', values: ['20240101000000Z'] }, { type: 'creatorsName', values: ['cn=admin,dc=corp,dc=example'] },
    ],
  };

  it('returns user attributes for none or *, never operational ones', () => {
    assert.deepEqual(project(e, selection([]), false).attributes.map((a) => a.type), ['uid', 'mail']);
    assert.deepEqual(project(e, selection(['*']), false).attributes.map((a) => a.type), ['uid', 'mail']);
  });

  it('returns named attributes case-insensitively, and 1.1 returns none', () => {
    assert.deepEqual(project(e, selection(['MAIL']), false).attributes.map((a) => a.type), ['mail']);
    assert.deepEqual(project(e, selection(['1.1']), false).attributes, []);
  });

  it('returns safe operational attributes for + or by name, with entryDN, but never source internals', () => {
    assert.deepEqual(project(e, selection(['+']), false).attributes.map((a) => a.type), ['modifyTimestamp', 'entryDN']);
    assert.deepEqual(project(e, selection(['creatorsName', 'entryDN']), false).attributes, [{ type: 'entryDN', values: ['uid=alice,ou=people,o=example'] }]);
  });

  it('drops values for typesOnly', () => {
    assert.deepEqual(project(e, selection(['uid']), true).attributes, [{ type: 'uid', values: [] }]);
  });
});
