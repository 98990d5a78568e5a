/**
 * What one password login costs the directory: the gateway talks to real slapd
 * through a loopback relay that reads the LDAP messages it passes on and tallies
 * each request by operation, plus the TCP connections opened. The test pins the
 * tally of one login, so a change that adds a round trip to LDAP fails here
 * (docs/sessions.md lists the operations).
 */
import assert from 'node:assert/strict';
import type { CountingRelay, Tally } from '../../helpers/ldap-relay.js';
import { basicHeader, startDeploymentBehindRelay, type Deployment } from '../gateway/harness.js';

/** A trace entry with the search base reduced to what it is: a lock-out counter, a session, a branch of people. */
function kind(entry: string): string {
  const m = /^search\((.*)\)$/.exec(entry);
  if (!m) return entry;
  const base = m[1]!;
  if (/^cn=[0-9a-f]{40},ou=lockout,/.test(base)) return 'search lockout';
  if (/^dirgateSessionId=/.test(base)) return 'search session';
  if (/^ou=revocations,/.test(base)) return 'search revocations';
  return `search ${base.split(',')[0]}`;
}

describe('the LDAP operations of one password login (real slapd behind a counting relay)', function () {
  this.timeout(60_000);
  let d: Deployment;
  let relay: CountingRelay;

  before(async () => {
    ({ d, relay } = await startDeploymentBehindRelay());
    // The first login makes the profile's containers; the ones measured below find them.
    await (await d.client('mobile-demo').loginWithPassword('alice', 'alice-pass')).logoff();
  });
  after(async () => {
    await d?.close();
    await relay?.close();
  });

  async function measuredLogin(user: string, password: string): Promise<Tally> {
    const client = d.client('mobile-demo');
    const fromOps = relay.tally.operations.length;
    const fromConnections = relay.tally.connections;
    const session = await client.loginWithPassword(user, password);
    const tally = {
      connections: relay.tally.connections - fromConnections,
      operations: relay.tally.operations.slice(fromOps),
      trace: relay.tally.trace.slice(fromOps),
    };
    await session.logoff();
    return tally;
  }

  it('costs nine operations on connections already open: three lock-out reads, the user, the bind, the session and its key', async () => {
    const tally = await measuredLogin('bob', 'bob-pass');
    assert.deepEqual({ connections: tally.connections, operations: tally.trace.map(kind) }, {
      connections: 0,
      operations: [
        'search lockout', // the login name (before anything else)
        'search ou=people', 'search ou=groups', // the user, in each branch of the view
        'search lockout', // the user's DN (MFA failures), before the bind
        'bind', // the password, on a pooled connection kept for binds
        'search lockout', // the login name's counter, cleared if it holds failures
        'add', // the session, with the IBE identity getEncryptionKey asks the key server for
        'search revocations', 'modify', // the wrapped content key (compare-and-swap on the record just added)
      ],
    }, tally.trace.join('\n'));
  });

  it('checks a wrong password and then the right one on the same pooled connection', async () => {
    const client = d.client('mobile-demo');
    const fromConnections = relay.tally.connections;
    const fromOps = relay.tally.operations.length;
    const refused = await client.dsml([{ kind: 'search', baseDN: 'ou=sessions,o=gateway' }], basicHeader('carol', 'not-her-password'));
    assert.equal(refused.outcomes[0]?.descr, 'authenticationFailed');
    const session = await client.loginWithPassword('carol', 'carol-pass');
    assert.equal(relay.tally.connections - fromConnections, 0);
    assert.equal(relay.tally.operations.slice(fromOps).filter((op) => op === 'bind').length, 2);
    await session.logoff();
  });

  it('refuses a name that finds nobody with the same steps as a wrong password: a lock-out read and a bind before counting the failure', async () => {
    const client = d.client('mobile-demo');
    async function refusedTrace(user: string): Promise<string[]> {
      const fromOps = relay.tally.trace.length;
      const refused = await client.dsml([{ kind: 'search', baseDN: 'ou=sessions,o=gateway' }], basicHeader(user, 'not-the-password'));
      assert.equal(refused.outcomes[0]?.descr, 'authenticationFailed');
      return relay.tally.trace.slice(fromOps).map(kind);
    }
    // Each name once first, so both are answered from the view's cache the second time (a miss would search either way).
    await refusedTrace('alice');
    await refusedTrace('nobody-by-this-name');
    const wrongPassword = await refusedTrace('alice');
    const nobody = await refusedTrace('nobody-by-this-name');
    assert.deepEqual(nobody, wrongPassword, `wrong password:\n${wrongPassword.join('\n')}\nnobody:\n${nobody.join('\n')}`);
    assert.ok(nobody.includes('bind'));
  });
});

