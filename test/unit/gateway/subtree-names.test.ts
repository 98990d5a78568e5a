import assert from 'node:assert/strict';
import { DirgateError } from '../../../src/errors.js';
import { classify } from '../../../src/gateway/sessions/subtree.js';
import { generalizedTime, sessionDn } from '../../../src/gateway/sessions/subtree-entries.js';

describe('names under o=gateway', () => {
  it('knows each node of the subtree, whatever the case and spacing of the DN', () => {
    assert.deepEqual(classify('o=gateway'), { kind: 'root' });
    assert.deepEqual(classify('OU=Applications, O=Gateway'), { kind: 'applications' });
    assert.deepEqual(classify('cn=mobile-demo,ou=applications,o=gateway'), { kind: 'application', id: 'mobile-demo' });
    assert.deepEqual(classify('ou=sessions,o=gateway'), { kind: 'sessions' });
    assert.deepEqual(classify('sessionId=AbC-_x,ou=sessions,o=gateway'), { kind: 'session', id: 'AbC-_x' });
    assert.deepEqual(classify('ou=self,o=gateway'), { kind: 'self' });
    assert.deepEqual(classify('CN=MFA,ou=self,o=gateway'), { kind: 'mfa' });
    assert.deepEqual(classify('ou=unresolved,o=gateway'), { kind: 'unresolved' });
    assert.deepEqual(classify('cn=0a1b,ou=unresolved,o=gateway'), { kind: 'unresolved-item', cn: '0a1b' });
  });

  it('has no such object anywhere else, naming the closest node that exists', () => {
    const missing = (matchedDN: string) => (e: unknown) => e instanceof DirgateError && e.code === 'ERR_NO_SUCH_OBJECT' && e.matchedDN === matchedDN;
    assert.throws(() => classify('ou=other,o=gateway'), missing('o=gateway'));
    assert.throws(() => classify('uid=x,ou=sessions,o=gateway'), missing('ou=sessions,o=gateway'));
    assert.throws(() => classify('cn=a,cn=mobile-demo,ou=applications,o=gateway'), missing('ou=applications,o=gateway'));
    assert.throws(() => classify('cn=a+sn=b,ou=self,o=gateway'), missing('o=gateway'));
  });

  it('writes session DNs with the id escaped as an RDN value, and times as GeneralizedTime', () => {
    assert.equal(sessionDn('AbC-_x'), 'sessionId=AbC-_x,ou=sessions,o=gateway');
    assert.equal(generalizedTime(Date.UTC(2030, 0, 1, 17, 0, 5)), '20300101170005Z');
  });
});
