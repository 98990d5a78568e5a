import assert from 'node:assert/strict';
import { correlationKeys, lookupFilter, lookupsArePushable, normalizeCorrelationValue } from '../../../src/directory/view/correlation.js';
import { formatFilter } from '../../../src/directory/view/filter-text.js';
import { compileDemo } from './helpers/views.js';

describe('correlation keys', () => {
  it('normalises in the configured order', () => {
    assert.equal(normalizeCorrelationValue('  Alice@Corp.Example ', ['lowercase', 'trim']), 'alice@corp.example');
    assert.equal(normalizeCorrelationValue('a   b', ['collapse-spaces']), 'a b');
    assert.equal(normalizeCorrelationValue('+1 (555) 01-01', ['digits-only']), '15550101');
  });

  it('only pushes lookups to sources when LDAP matching finds every correlating entry', () => {
    assert.equal(lookupsArePushable({ attributes: ['mail'], normalize: ['lowercase', 'trim'] }), true);
    assert.equal(lookupsArePushable({ attributes: ['phone'], normalize: ['digits-only'] }), false);
  });

  it('keys a primary and a contributor entry alike whatever the case and spaces', () => {
    const b = compileDemo()[0]!.branches[0]!;
    const c = b.correlation!;
    const pk = correlationKeys(b.primary, c, { dn: 'uid=alice', attributes: [{ type: 'mail', values: ['Alice@Corp.Example'] }] });
    const ck = correlationKeys(b.contributors[0]!, c, { dn: 'mail=alice', attributes: [{ type: 'MAIL', values: [' alice@corp.example '] }] });
    assert.deepEqual(pk, ['alice@corp.example']);
    assert.deepEqual(ck, pk);
    assert.deepEqual(correlationKeys(b.primary, c, { dn: 'uid=admin', attributes: [] }), []);
  });

  it('keys multi-attribute correlations by the tuple of values', () => {
    const views = compileDemo();
    const b = views[0]!.branches[0]!;
    const c = { attributes: ['givenName', 'sn'], normalize: ['lowercase' as const] };
    const keys = correlationKeys(b.primary, c, { dn: 'x', attributes: [{ type: 'givenName', values: ['Ann', 'Anne'] }, { type: 'sn', values: ['Lee'] }] });
    assert.deepEqual(keys, ['["ann","lee"]', '["anne","lee"]']);
  });

  it('builds one structured OR lookup per batch, deduplicated, within the branch filter and in source terms', () => {
    const b = compileDemo()[0]!.branches[0]!;
    const f = lookupFilter(b.contributors[0]!, b.correlation!, [['alice@corp.example'], ['ALICE@corp.example'], ['bob*)(uid=x@corp.example']]);
    assert.equal(formatFilter(f), '(&(objectClass=inetOrgPerson)(|(mail=alice@corp.example)(mail=bob\\2a\\29\\28uid=x@corp.example)))');
  });
});
