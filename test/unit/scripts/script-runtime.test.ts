import assert from 'node:assert/strict';
import { ConfigError } from '../../../src/config/load.js';
import { DirgateError } from '../../../src/errors.js';
import { ScriptRuntime } from '../../../src/scripts/runtime.js';
import { bob, fixture, mobileDemo, scriptServices, useScriptDirectory } from './harness.js';

const clock = () => Date.UTC(2030, 0, 1, 9);

async function loadFailure(config: Parameters<typeof ScriptRuntime.load>[0]): Promise<string[]> {
  try {
    await ScriptRuntime.load(config, await scriptServices(clock));
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('the scripts loaded');
}

describe('interception-script runtime', () => {
  useScriptDirectory();
  it('refuses at start-up every broken script at once, naming the hook and the key', async () => {
    const problems = await loadFailure({
      createSession: { module: fixture('add-claim.ts'), config: { value: 'x', bogus: 1 } },
      validateSession: { module: fixture('not-a-script.ts') },
      logoff: { module: fixture('does-not-exist.ts') },
      getEncryptionKey: { config: { extra: true } },
    });
    assert.deepEqual(problems.slice().sort(), [
      'scripts.createSession.config.bogus: is not a known key',
      'scripts.createSession.config.claim: is required',
      'scripts.getEncryptionKey.config.extra: is not a known key',
      `scripts.logoff.module: cannot be loaded from ${fixture('does-not-exist.ts')}: ${problems.find((p) => p.startsWith('scripts.logoff'))!.split(': ').slice(2).join(': ')}`,
      `scripts.validateSession.module: ${fixture('not-a-script.ts')} does not export configSchema and create(config, services)`,
    ].sort());
  });

  it('refuses a default script configured with a reserved claim name', async () => {
    const problems = await loadFailure({ createSession: { config: { claimsFromAttributes: { subject: 'uid' } } } });
    assert.ok(problems.length > 0);
    for (const p of problems) assert.match(p, /^scripts\.createSession\.config\.claimsFromAttributes: /);
  });

  it('ends a call that runs past its time limit with an internal error, reason script-timeout', async () => {
    const scripts = await ScriptRuntime.load({ validateSession: { module: fixture('misbehaving.ts'), config: { mode: 'hang' }, timeoutMs: 20 } }, await scriptServices(clock));
    await assert.rejects(scripts.run('validateSession', { sessionId: 'x', token: 'y', app: 'a', allowPendingMfa: false }), (err: unknown) =>
      err instanceof DirgateError && err.code === 'ERR_INTERNAL' && err.reason === 'script-timeout' && err.publicMessage === 'internal error');
  });

  it('maps a plain error to an internal error that shows the client nothing, and lets a DirgateError through', async () => {
    const throwing = await ScriptRuntime.load({ validateSession: { module: fixture('misbehaving.ts'), config: { mode: 'throw' } } }, await scriptServices(clock));
    await assert.rejects(throwing.run('validateSession', { sessionId: 'x', token: 'y', app: 'a', allowPendingMfa: false }), (err: unknown) =>
      err instanceof DirgateError && err.code === 'ERR_INTERNAL' && err.reason === 'script-error' && err.publicMessage === 'internal error' && !err.publicMessage.includes('10.0.0.7'));
    const refusing = await ScriptRuntime.load({ validateSession: { module: fixture('misbehaving.ts'), config: { mode: 'refuse' } } }, await scriptServices(clock));
    await assert.rejects(refusing.run('validateSession', { sessionId: 'x', token: 'y', app: 'a', allowPendingMfa: false }), { code: 'ERR_AUTHENTICATION_FAILED', reason: 'custom-refusal' });
  });

  it('runs the default scripts: session, key from the key server for the session identity, common logoff revoking it', async () => {
    const extracted: Array<[string, number]> = [];
    const revoked: string[] = [];
    const keys = {
      extract: async (identity: string, expiresAt: number) => { extracted.push([identity, expiresAt]); return 'a2V5'; },
      revoke: async (identity: string) => { revoked.push(identity); },
    };
    const services = await scriptServices(clock, keys);
    const scripts = await ScriptRuntime.load({}, services);
    const { session, token } = await scripts.run('createSession', { user: bob, app: mobileDemo, authMethod: 'password' });
    const key = await scripts.run('getEncryptionKey', { session });
    assert.match(key.identity, new RegExp(`^dirgate:v1:mobile-demo:${session.id}:[A-Za-z0-9_-]{43}:${Math.floor(session.expiresAt / 1000)}$`));
    assert.deepEqual(extracted, [[key.identity, session.expiresAt]]);
    assert.equal((await services.sessions.get(session.id))!.ibe!.identity, key.identity);
    assert.deepEqual(await scripts.run('logoff', { sessionId: session.id, reason: 'logoff' }), { ended: true });
    assert.deepEqual(revoked, [key.identity]);
    await assert.rejects(scripts.run('validateSession', { sessionId: session.id, token, app: 'mobile-demo', allowPendingMfa: false }), { reason: 'session-unknown' });
    const op = { kind: 'delete' as const, request: { dn: 'uid=x,o=example', controls: [] } };
    assert.deepEqual(await scripts.run('beforeOperation', { operation: op, context: { requestId: 'r', principal: {} } }), op);
    assert.deepEqual(await scripts.run('afterOperation', { operation: op, context: { requestId: 'r', principal: {} }, result: { resultCode: 0 } }), { resultCode: 0 });
  });
});
