import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { buildConfig, DEMO_CONFIG } from '../../../src/config/load.js';
import '../../../src/config/registered-checks.js';
import type { Config } from '../../../src/config/types.js';
import { silentLogger } from '../../../src/log.js';
import { runParts, type RunningSystem } from '../../../src/system/run.js';
import { freePort } from '../../helpers/ports.js';

// The whole demo system (embedded directory, key server, gateway, firewall) on
// free loopback ports, driven only through the firewall as a mobile app would be.
describe('the demo system behind the firewall', () => {
  let system: RunningSystem;
  let dataDir: string;
  let config: Config;
  let ca: string;

  before(async () => {
    const raw = YAML.parse(readFileSync(DEMO_CONFIG, 'utf8')) as Record<string, any>;
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'dirgate-fw-demo-'));
    raw.dataDir = dataDir;
    raw.embedded.port = await freePort();
    raw.gateway.port = await freePort();
    raw.keyserver.port = await freePort();
    raw.firewall.port = await freePort();
    raw.firewall.audit = { destination: 'file', logFile: path.join(dataDir, 'audit.jsonl') };
    raw.applications ??= [{ id: 'mobile-demo', access: { endpoints: ['/dsml', '/spml', '/sso'], operations: ['search', 'compare', 'modify', 'delete'], subtrees: ['o=example'] } }];
    config = buildConfig(raw, { baseDir: path.dirname(DEMO_CONFIG), env: {} }) as Config;
    system = await runParts(config, ['directory', 'keyserver', 'gateway', 'firewall'], silentLogger());
    ca = await readFile(path.join(dataDir, 'tls', 'firewall.crt'), 'utf8');
  });
  after(async () => {
    await system?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  function post(port: number, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port, method: 'POST', path: '/dsml', ca, headers, agent: false }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => { text += c.toString('utf8'); });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }
  const search = (dn: string) => `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><batchRequest xmlns="urn:oasis:names:tc:DSML:2:0:core"><searchRequest dn="${dn}" scope="baseObject" derefAliases="neverDerefAliases"><filter><present name="objectClass"/></filter></searchRequest></batchRequest></soap:Body></soap:Envelope>`;
  const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
  const attr = (body: string, name: string) => new RegExp(`<attr name="${name}"><value>([^<]*)</value>`).exec(body)?.[1];

  it('serves discovery, login and a session request through the firewall alone', async () => {
    const port = config.firewall.port;
    const discovery = await post(port, search('cn=mobile-demo,ou=applications,o=gateway'), { 'x-dirgate-app': 'mobile-demo' });
    assert.equal(discovery.status, 200);
    assert.equal(attr(discovery.body, 'ibeSuite'), 'urn:dirgate:ibe:bf-bls12381:v1');

    const login = await post(port, search('ou=sessions,o=gateway'), { 'x-dirgate-app': 'mobile-demo', authorization: basic('alice', 'alice-pass') });
    const sessionId = attr(login.body, 'sessionId');
    const token = attr(login.body, 'sessionToken');
    assert.ok(sessionId && token, login.body.slice(0, 300));
    assert.ok(token.startsWith('T1RLAQ'), 'session tokens are OpenTokens, which the login rate limit tells apart from passwords');

    const me = await post(port, search('uid=alice,ou=people,o=example'), { 'x-dirgate-app': 'mobile-demo', authorization: basic(sessionId, token) });
    assert.equal(me.status, 200);
    assert.match(attr(me.body, 'mail') ?? '', /^alice@/);

    const audit = (await readFile(path.join(dataDir, 'audit.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(audit.slice(-3).map((e) => [e.reason, e.principal]), [['allowed', null], ['allowed', 'alice'], ['allowed', sessionId]]);
  });

  it('leaves the gateway port closed to anyone but the firewall', async () => {
    const direct = await fetch(`http://127.0.0.1:${config.gateway.port}/dsml`, { method: 'POST', headers: { 'x-dirgate-app': 'mobile-demo' }, body: search('cn=mobile-demo,ou=applications,o=gateway') });
    assert.equal(direct.status, 403);
  });
});
