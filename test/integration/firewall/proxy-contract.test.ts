import assert from 'node:assert/strict';
import { createHopVerifier } from '../../../src/gateway/hop-auth.js';
import { APP, DSML_OK, HOP_SECRET, basic, dsmlSearch, lastAudit, send, startBench, type Bench } from './harness.js';

describe('firewall: what the gateway receives and what the client gets back', () => {
  let bench: Bench;
  before(async () => { bench = await startBench(); });
  after(() => bench?.close());

  it('forwards a legitimate DSML search unchanged, signed, with the identity it vouches for', async () => {
    const body = dsmlSearch('uid=alice,ou=people,o=example', { requestId: 'q1' });
    const reply = await send(bench, { headers: { ...APP, authorization: basic('alice', 'alice-pass') }, body });
    assert.equal(reply.status, 200);
    assert.equal(reply.body, DSML_OK);
    const seen = bench.upstream.seen.at(-1)!;
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/dsml');
    assert.equal(seen.body, body);
    assert.equal(seen.headers['x-dirgate-client-ip'], '127.0.0.1');
    assert.equal(seen.headers['x-dirgate-app'], 'mobile-demo');
    assert.equal(seen.headers['x-dirgate-app-auth'], 'none');
    assert.equal(seen.headers.authorization, basic('alice', 'alice-pass'));
    assert.equal(seen.headers['x-dirgate-request-id'], reply.headers['x-dirgate-request-id']);
    const verify = createHopVerifier({ secret: HOP_SECRET });
    const result = verify({ method: seen.method, path: seen.url, headers: seen.headers, body: Buffer.from(seen.body) });
    assert.deepEqual(result, { ok: true, identity: { requestId: seen.headers['x-dirgate-request-id'], clientIp: '127.0.0.1', clientCertSubject: undefined, clientCertFingerprint: undefined, appAuth: 'none' } });
    const audit = lastAudit(bench);
    assert.deepEqual(
      [audit.decision, audit.reason, audit.app, audit.principal, audit.endpoint, audit.operation, audit.dn, audit.status, audit.upstreamStatus],
      ['allow', 'allowed', 'mobile-demo', 'alice', '/dsml', 'search', 'uid=alice,ou=people,o=example', 200, 200],
    );
  });

  it('strips forwarded-identity and hop headers a client forges, and never forwards the application secret', async () => {
    const reply = await send(bench, {
      headers: {
        ...APP,
        'x-dirgate-client-ip': '10.9.9.9',
        'x-dirgate-client-cert-subject': 'CN=admin,O=Example',
        'x-dirgate-client-cert-fingerprint': 'AA:BB',
        'x-dirgate-app-auth': 'certificate',
        'x-dirgate-request-id': 'chosen-by-client',
        'x-dirgate-hop-signature': 'v1=forged',
        'x-forwarded-for': '10.8.8.8',
        forwarded: 'for=10.7.7.7',
        'x-dirgate-app-secret': 'not-for-the-gateway',
      },
      body: dsmlSearch('uid=alice,ou=people,o=example'),
    });
    assert.equal(reply.status, 200);
    const seen = bench.upstream.seen.at(-1)!.headers;
    assert.equal(seen['x-dirgate-client-ip'], '127.0.0.1');
    assert.equal(seen['x-dirgate-client-cert-subject'], undefined);
    assert.equal(seen['x-dirgate-client-cert-fingerprint'], undefined);
    assert.equal(seen['x-dirgate-app-auth'], 'none');
    assert.notEqual(seen['x-dirgate-request-id'], 'chosen-by-client');
    assert.notEqual(seen['x-dirgate-hop-signature'], 'v1=forged');
    assert.equal(seen['x-forwarded-for'], undefined);
    assert.equal(seen.forwarded, undefined);
    assert.equal(seen['x-dirgate-app-secret'], undefined);
  });

  it('puts helmet headers on answers and removes Server and X-Powered-By', async () => {
    bench.upstream.answer = (_req, res) => { res.setHeader('server', 'gateway/1.0 (10.0.0.5)'); res.setHeader('x-powered-by', 'Express'); res.setHeader('content-type', 'text/xml'); res.end(DSML_OK); };
    const reply = await send(bench, { headers: APP, body: dsmlSearch('uid=alice,ou=people,o=example') });
    assert.equal(reply.headers.server, undefined);
    assert.equal(reply.headers['x-powered-by'], undefined);
    assert.equal(reply.headers['x-content-type-options'], 'nosniff');
    assert.match(String(reply.headers['strict-transport-security']), /max-age=\d+/);
    const refused = await send(bench, { method: 'GET', path: '/nowhere' });
    assert.equal(refused.headers['x-content-type-options'], 'nosniff');
    assert.equal(refused.headers['x-powered-by'], undefined);
  });

  it('passes gateway 4xx answers through but replaces the body of a 5xx with a generic fault', async () => {
    bench.upstream.answer = (_req, res) => { res.statusCode = 401; res.setHeader('www-authenticate', 'Basic realm="dirgate"'); res.end('credentials required'); };
    const unauthorized = await send(bench, { headers: APP, body: dsmlSearch('uid=alice,ou=people,o=example') });
    assert.deepEqual([unauthorized.status, unauthorized.headers['www-authenticate'], unauthorized.body], [401, 'Basic realm="dirgate"', 'credentials required']);
    bench.upstream.answer = (_req, res) => { res.statusCode = 500; res.end('Error: connect ECONNREFUSED 10.0.0.7:389 at ldap.internal.example\n    at Socket.connect (node:net:1)'); };
    const failed = await send(bench, { headers: APP, body: dsmlSearch('uid=alice,ou=people,o=example') });
    assert.equal(failed.status, 500);
    assert.doesNotMatch(failed.body, /ECONNREFUSED|10\.0\.0\.7|ldap\.internal|Socket/);
    assert.match(failed.body, /<faultstring>internal error<\/faultstring>/);
    assert.deepEqual([lastAudit(bench).decision, lastAudit(bench).reason, lastAudit(bench).upstreamStatus], ['allow', 'upstream-error', 500]);
  });

  it('forwards health probes without an application, and /sso with its query', async () => {
    bench.upstream.answer = (_req, res) => { res.end('{"status":"ok"}'); };
    const health = await send(bench, { method: 'GET', path: '/healthz' });
    assert.equal(health.status, 200);
    assert.equal(bench.upstream.seen.at(-1)!.url, '/healthz');
    bench.upstream.answer = (_req, res) => { res.statusCode = 302; res.setHeader('location', 'https://portal.example.com/'); res.end(); };
    const sso = await send(bench, { method: 'GET', path: '/sso?target=https%3A%2F%2Fportal.example.com%2F', headers: { 'x-dirgate-app': 'mobile-demo' } });
    assert.deepEqual([sso.status, sso.headers.location], [302, 'https://portal.example.com/']);
    assert.equal(bench.upstream.seen.at(-1)!.url, '/sso?target=https%3A%2F%2Fportal.example.com%2F');
  });

  it('streams a large answer of unknown length through unchanged', async () => {
    const piece = '<searchResultEntry dn="uid=x,ou=people,o=example"/>'.repeat(200);
    bench.upstream.answer = (_req, res) => {
      res.setHeader('content-type', 'text/xml');
      let sent = 0;
      const next = () => { if (sent++ === 40) return res.end('</end>'); res.write(piece); setImmediate(next); };
      next();
    };
    const reply = await send(bench, { headers: APP, body: dsmlSearch('uid=alice,ou=people,o=example') });
    assert.equal(reply.status, 200);
    assert.equal(reply.body, piece.repeat(40) + '</end>');
  });

  it('cuts the connection rather than pass on an answer shorter than the gateway declared', async () => {
    bench.upstream.answer = (_req, res) => {
      res.setHeader('content-length', '1000');
      res.write('<batchResponse');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    await assert.rejects(send(bench, { headers: APP, body: dsmlSearch('uid=alice,ou=people,o=example') }));
    assert.deepEqual([lastAudit(bench).decision, lastAudit(bench).reason], ['allow', 'upstream-error']);
  });

  it('answers 503 with a fault naming nothing when the gateway cannot be reached', async () => {
    // Last in this file: the upstream stays down.
    await bench.upstream.close();
    const reply = await send(bench, { headers: APP, body: dsmlSearch('uid=alice,ou=people,o=example') });
    assert.equal(reply.status, 503);
    assert.match(reply.body, /<dg:reason[^>]*>upstream-unavailable</);
    assert.doesNotMatch(reply.body, /127\.0\.0\.1|ECONNREFUSED|\d{4,5}/);
    assert.equal(lastAudit(bench).reason, 'upstream-unavailable');
  });
});
