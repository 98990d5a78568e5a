import assert from 'node:assert/strict';
import { ScriptRuntime } from '../../../src/scripts/runtime.js';
import { decodeSessionToken } from '../../../src/sessions/token.js';
import { bob, fixture, mobileDemo, scriptServices, useScriptDirectory } from './harness.js';

describe('an operator replaces an interception script', () => {
  useScriptDirectory();
  it('runs the configured createSession script, whose claim rides in every token of the session', async () => {
    let now = Date.UTC(2030, 0, 1, 9);
    const services = await scriptServices(() => now);
    const scripts = await ScriptRuntime.load({
      createSession: { module: fixture('add-claim.ts'), config: { claim: 'tenant', value: 'acme' } },
    }, services);
    assert.match(scripts.modules().createSession!, /add-claim\.ts$/);
    assert.match(scripts.modules().validateSession!, /interception-scripts[/\\]validate-session\.(ts|js)$/);

    const { session, token } = await scripts.run('createSession', { user: bob, app: mobileDemo, authMethod: 'password' });
    const claims = decodeSessionToken(services.codec, token, new Date(now));
    assert.deepEqual(claims.extra.get('tenant'), ['acme']);
    assert.equal(claims.subject, bob.dn);

    now += 500_000; // the default validateSession renews the token; the claim stays
    const validated = await scripts.run('validateSession', { sessionId: session.id, token, app: 'mobile-demo', allowPendingMfa: false });
    assert.ok(validated.renewedToken);
    assert.deepEqual(decodeSessionToken(services.codec, validated.renewedToken, new Date(now)).extra.get('tenant'), ['acme']);
  });

  it('copies user attributes into claims with the default createSession configured to', async () => {
    const now = Date.UTC(2030, 0, 1, 9);
    const services = await scriptServices(() => now);
    const scripts = await ScriptRuntime.load({ createSession: { config: { claimsFromAttributes: { department: 'departmentnumber' } } } }, services);
    const { token } = await scripts.run('createSession', { user: bob, app: mobileDemo, authMethod: 'password' });
    assert.deepEqual(decodeSessionToken(services.codec, token, new Date(now)).extra.get('department'), ['42']);
  });
});
