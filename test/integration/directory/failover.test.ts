/**
 * Fail-over through the view: the primary source has two replica URLs (two
 * slapd servers with the same data); when the first stops, searches, binds
 * and joins go on through the second.
 */
import assert from 'node:assert/strict';
import { LDAP_RESULT } from '../../../src/errors.js';
import { createVirtualDirectory, type VirtualDirectory } from '../../../src/directory/index.js';
import type { LdapSource } from '../../../src/directory/sources/types.js';
import { startSlapd, type Slapd } from '../../helpers/slapd.js';
import { FIXTURES, cacheConfig, crash, ctx, log, makeSource, revive, search, sourceConfig, testViews, values } from './harness.js';

describe('virtual directory: fail-over to a replica of the primary', function () {
  this.timeout(60_000);
  let first: Slapd;
  let second: Slapd;
  let hr: Slapd;
  let sources: Map<string, LdapSource>;
  let vd: VirtualDirectory;

  before(async () => {
    [first, second, hr] = await Promise.all([
      startSlapd({ suffix: 'dc=corp,dc=example', ldif: `${FIXTURES}/corp.ldif` }),
      startSlapd({ suffix: 'dc=corp,dc=example', ldif: `${FIXTURES}/corp.ldif` }),
      startSlapd({ suffix: 'o=hr', ldif: `${FIXTURES}/hr.ldif`, extraSchemas: [`${FIXTURES}/hr-schema.ldif`] }),
    ]);
    sources = new Map([
      ['corp', makeSource(sourceConfig('corp', [first.url, second.url], 'dc=corp,dc=example', { dn: first.rootDn, password: first.rootPassword }))],
      ['hr', makeSource(sourceConfig('hr', [hr.url], 'o=hr', { dn: hr.rootDn, password: hr.rootPassword }))],
    ]);
    vd = createVirtualDirectory({ views: testViews(), cache: { ...cacheConfig, enabled: false }, profile: { source: 'corp', baseDn: 'ou=dirgate,dc=corp,dc=example' } },
      { log, sources, background: false });
  });

  after(async () => {
    await vd?.close();
    for (const s of sources?.values() ?? []) await s.close();
    await Promise.all([first?.stop(), second?.stop(), hr?.stop()]);
  });

  it('answers joined entries and binds through the second replica when the first is down', async () => {
    const before = await search(vd, 'uid=alice,ou=people,o=example', '(objectClass=*)', { scope: 'base' });
    assert.deepEqual(values(before.entries[0], 'title'), ['Engineer']);
    await crash(first);
    try {
      const { entries, result } = await search(vd, 'ou=people,o=example', '(departmentNumber=42)', { attributes: ['uid', 'title'] });
      assert.equal(result.resultCode, LDAP_RESULT.success);
      assert.deepEqual(entries.map((e) => values(e, 'uid')[0]).sort(), ['alice', 'bob', 'carol']);
      assert.equal(await vd.bind('uid=bob,ou=people,o=example', 'bob-pass', ctx), 'uid=bob,ou=people,o=example');
      const corp = vd.health().sources.find((s) => s.name === 'corp')!;
      assert.equal(corp.up, true);
      assert.equal(corp.urls.find((u) => u.url === first.url)?.up, false);
    } finally {
      await revive(first);
    }
  });
});
