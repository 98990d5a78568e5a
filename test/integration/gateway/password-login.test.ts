import assert from 'node:assert/strict';
import { Attribute, Change, Client } from 'ldapts';
import type { DirgateClient } from '../../../src/client/index.js';
import { getAttribute, type Entry } from '../../../src/directory/model.js';
import { parseIdentity } from '../../../src/ibe/identity.js';
import { basicHeader, refusalReasons, refusedWith, startDeployment, T0, type Deployment } from './harness.js';

const one = (e: Entry | undefined, type: string) => (e ? getAttribute(e, type)?.values.map(String) : undefined);

describe('password login through the gateway (embedded demo directory)', function () {
  this.timeout(60_000);
  let d: Deployment;
  let demo: DirgateClient;

  before(async () => {
    d = await startDeployment({ gateways: 1 });
    demo = d.client('mobile-demo');
  });
  after(() => d?.close());

  it('discovery needs no user credentials and describes the application and the IBE parameters', async () => {
    const info = await demo.discover();
    assert.deepEqual(info.authMethods, ['password', 'jwt']);
    assert.equal(info.mfa, 'none');
    assert.equal(info.sessionIdleTimeout, 900);
    assert.equal(info.sessionMaxLifetime, 28_800);
    assert.deepEqual(Buffer.from(info.ibeMasterPublicKey, 'base64'), Buffer.from(d.keyServer.masterPublicKey));
    assert.equal(info.ibeSuite, 'urn:dirgate:ibe:bf-bls12381:v1');
    assert.equal(parseIdentity(info.gatewayIdentity).app, 'dirgate-gateway');
  });

  it('refuses an application it does not know, even for discovery', async () => {
    const stranger = d.client('no-such-app');
    try {
      await refusedWith(stranger.discover(), 'authenticationFailed');
    } finally {
      await stranger.close();
    }
  });

  it('logs alice in: session id and token, her verified key and identity, the timeouts and her own attributes', async () => {
    const s = await demo.loginWithPassword('alice', 'alice-pass');
    assert.match(s.id, /^[A-Za-z0-9_-]{24}$/);
    assert.ok(s.token.startsWith('T1RLAQ'), 'the token is an OpenToken');
    assert.equal(Buffer.from(s.sessionKey!, 'base64').length, 48);
    const identity = parseIdentity(s.identity!);
    assert.deepEqual([identity.app, identity.sessionId, identity.expiresAt], ['mobile-demo', s.id, (T0 + 28_800_000) / 1000]);
    assert.equal(s.expiresAt, '20300101170000Z');
    assert.equal(s.idleTimeout, 900);
    assert.equal(s.mfaPending, false);
    assert.deepEqual(s.user, { dn: 'uid=alice,ou=people,o=example', uid: 'alice', cn: 'Alice Anderson', mail: 'alice@corp.example' });
    const [bob] = await s.search('ou=people,o=example', { scope: 'one', filter: { type: 'equality', attribute: 'uid', value: 'bob' } });
    assert.equal(bob?.dn, 'uid=bob,ou=people,o=example');
    assert.ok(one(bob, 'employeeNumber')?.length, 'the hr contributor joined in');
    assert.deepEqual(one(await s.whoami(), 'uid'), ['alice']);
    await s.logoff();
  });

  it('answers a wrong password and an unknown user alike, and logs why', async () => {
    const from = d.logs.length;
    const wrong = await demo.dsml([{ kind: 'search', baseDN: 'ou=sessions,o=gateway' }], basicHeader('alice', 'not-her-password'));
    const unknown = await demo.dsml([{ kind: 'search', baseDN: 'ou=sessions,o=gateway' }], basicHeader('mallory', 'whatever'));
    for (const { outcomes, answer } of [wrong, unknown]) {
      assert.equal(answer.status, 200);
      assert.equal(outcomes[0]?.kind, 'errorResponse');
      assert.equal(outcomes[0]?.descr, 'authenticationFailed');
    }
    assert.equal(wrong.outcomes[0]?.errorMessage, unknown.outcomes[0]?.errorMessage);
    assert.deepEqual(refusalReasons(d.logs, from), ['password-invalid', 'user-unknown']);
  });

  it('asks for credentials (401) before anything but discovery', async () => {
    const { status, headers } = await demo.send('POST', '/dsml', {}, '<batchRequest xmlns="urn:oasis:names:tc:DSML:2:0:core"><searchRequest dn="ou=people,o=example" scope="singleLevel" derefAliases="neverDerefAliases"><filter><present name="uid"/></filter></searchRequest></batchRequest>');
    assert.equal(status, 401);
    assert.match(String(headers['www-authenticate']), /^Basic /);
  });

  it('keeps a session to the applications it is shared with', async () => {
    const s = await demo.loginWithPassword('alice', 'alice-pass');
    const secure = d.client('mobile-secure');
    try {
      const from = d.logs.length;
      const { outcomes } = await secure.dsml([{ kind: 'search', baseDN: s.dn }], s.authorization);
      assert.equal(outcomes[0]?.descr, 'authenticationFailed');
      assert.deepEqual(refusalReasons(d.logs, from), ['app-may-not-share']);
      const portal = d.client('web-portal');
      const shared = await portal.resume(s.id, s.token);
      assert.equal(shared.user.uid, 'alice');
      await portal.close();
    } finally {
      await secure.close();
      await s.logoff();
    }
  });

  it('lets the administrator list sessions without their secrets and end one; alice may do neither', async () => {
    const alice = await demo.loginWithPassword('alice', 'alice-pass');
    const admin = await demo.loginWithPassword('admin', 'admin-pass');
    const listed = await admin.search('ou=sessions,o=gateway', { scope: 'one' });
    const hers = listed.find((e) => one(e, 'sessionId')?.[0] === alice.id);
    assert.ok(hers, 'alice\'s session is listed');
    assert.deepEqual(one(hers, 'sessionUser'), ['uid=alice,ou=people,o=example']);
    assert.ok(listed.every((e) => !getAttribute(e, 'sessionToken') && !getAttribute(e, 'sessionKey')), 'no token or key leaves in a listing');
    await refusedWith(alice.search('ou=sessions,o=gateway', { scope: 'one' }), 'insufficientAccessRights');
    await refusedWith(alice.delete(admin.dn), 'noSuchObject');
    await admin.delete(alice.dn);
    await refusedWith(alice.heartbeat(), 'authenticationFailed');
    await admin.logoff();
  });

  it('shows unresolved identities to the administrator only', async () => {
    await d.gateways[0]!.view.reconcile();
    const admin = await demo.loginWithPassword('admin', 'admin-pass');
    const alice = await demo.loginWithPassword('alice', 'alice-pass');
    const items = await admin.search('ou=unresolved,o=gateway', { scope: 'one' });
    assert.ok(items.some((e) => one(e, 'reason')?.[0] === 'orphan' && /dave/.test(one(e, 'sourceDN')?.[0] ?? '')), 'dave exists only in hr');
    await refusedWith(alice.search('ou=unresolved,o=gateway', { scope: 'one' }), 'noSuchObject');
    await admin.logoff();
    await alice.logoff();
  });

  it('does not log in a user that SPML suspended', async () => {
    const ldap = new Client({ url: d.directoryUrl });
    await ldap.bind('cn=admin,dc=corp,dc=example', 'directory-admin-pass');
    const carol = 'uid=carol,ou=people,dc=corp,dc=example';
    await ldap.modify(carol, new Change({ operation: 'replace', modification: new Attribute({ type: 'employeeType', values: ['dirgate-suspended'] }) }));
    try {
      const from = d.logs.length;
      await refusedWith(demo.loginWithPassword('carol', 'carol-pass'), 'authenticationFailed');
      assert.deepEqual(refusalReasons(d.logs, from), ['account-suspended']);
    } finally {
      await ldap.modify(carol, new Change({ operation: 'delete', modification: new Attribute({ type: 'employeeType', values: [] }) }));
      await ldap.unbind();
    }
  });

  it('takes the user\'s own name and password on every DSML request only where the application allows it', async () => {
    const search = { kind: 'search' as const, baseDN: 'ou=people,o=example', scope: 'one' as const, filter: { type: 'equality' as const, attribute: 'uid', value: 'carol' } };
    // mobile-demo serves DSML clients that know nothing of sessions (userCredentialsOnDsml); web-portal does not.
    const ok = await demo.dsml([search], basicHeader('bob', 'bob-pass'));
    assert.deepEqual(ok.outcomes[0]?.entries.map((e) => e.dn), ['uid=carol,ou=people,o=example']);
    const wrong = await demo.dsml([search], basicHeader('bob', 'wrong'));
    assert.equal(wrong.outcomes[0]?.descr, 'authenticationFailed');
    const portal = d.client('web-portal');
    try {
      const from = d.logs.length;
      const { outcomes } = await portal.dsml([search], basicHeader('bob', 'bob-pass'));
      assert.equal(outcomes[0]?.descr, 'authenticationFailed', 'web-portal wants a session');
      assert.equal(outcomes[0]?.entries.length, 0);
      assert.deepEqual(refusalReasons(d.logs, from), [], 'the password itself was right');
    } finally {
      await portal.close();
    }
  });

  it('ends the session at logoff', async () => {
    const s = await demo.loginWithPassword('bob', 'bob-pass');
    await s.logoff();
    await refusedWith(s.search('ou=people,o=example', { scope: 'one' }), 'authenticationFailed');
  });
});

describe('password login through the gateway (real slapd)', function () {
  this.timeout(60_000);
  let d: Deployment;
  let demo: DirgateClient;

  before(async () => {
    d = await startDeployment({ directory: 'slapd', gateways: 1 });
    demo = d.client('mobile-demo');
  });
  after(() => d?.close());

  it('logs alice in, reads through the session, refuses a wrong password and lets the administrator list sessions', async () => {
    const alice = await demo.loginWithPassword('alice', 'alice-pass');
    assert.equal(alice.user.dn, 'uid=alice,ou=people,o=example');
    const people = await alice.search('ou=people,o=example', { scope: 'one', attributes: ['uid'] });
    assert.deepEqual(people.map((e) => one(e, 'uid')?.[0]).sort(), ['admin', 'alice', 'bob', 'carol', 'dave']);
    await refusedWith(demo.loginWithPassword('alice', 'wrong'), 'authenticationFailed');
    const admin = await demo.loginWithPassword('admin', 'admin-pass');
    const listed = await admin.search('ou=sessions,o=gateway', { scope: 'one' });
    assert.ok(listed.some((e) => one(e, 'sessionId')?.[0] === alice.id));
    await alice.logoff();
    await refusedWith(alice.heartbeat(), 'authenticationFailed');
    await admin.logoff();
  });
});
