import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildConfig, ConfigError, DEMO_CONFIG, loadConfig } from '../../../src/config/load.js';
import { findDemoSecrets } from '../../../src/config/demo-secrets.js';

const minimal = () => ({
  sources: [{ name: 'corp', urls: ['ldap://127.0.0.1:389'], baseDn: 'dc=corp,dc=example' }],
  views: [{ suffix: 'o=example', branches: [{ name: 'people', dn: 'ou=people,o=example', rdnAttribute: 'uid', primary: { source: 'corp', baseDn: 'ou=people,dc=corp,dc=example' } }] }],
  gateway: {},
});

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
    return err.problems;
  }
  assert.fail('expected the configuration to be refused');
}

describe('configuration', () => {
  it('loads the demo configuration with defaults applied and frozen', () => {
    const config = loadConfig(DEMO_CONFIG, { env: {} });
    assert.equal(config.gateway.port, 8080);
    assert.equal(config.firewall.port, 8443);
    assert.equal(config.sources[0]!.pool.size, 4);
    assert.ok(path.isAbsolute(config.embedded!.suffixes[0]!.ldif!), 'LDIF paths resolve against the file');
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.sources[0]));
    assert.throws(() => { (config.gateway as { port: number }).port = 1; }, TypeError);
  });

  it('reports every bad key at once, each with its path', () => {
    const raw = minimal() as Record<string, any>;
    raw.gateway = { port: 'eighty' };
    raw.sources[0].urls = ['http://example'];
    raw.sources[0].colour = 'blue';
    delete raw.views;
    const problems = problemsOf(() => buildConfig(raw, { env: {} }));
    assert.deepEqual(problems.sort(), [
      'gateway.port: must be integer',
      'sources[0].colour: is not a known key',
      'sources[0].urls[0]: must match pattern "^(ldaps?://.+|embedded)$"',
      'views: is required',
    ]);
  });

  it('refuses a profile naming an unknown source and duplicate source names', () => {
    const raw = minimal() as Record<string, any>;
    raw.sources.push({ ...raw.sources[0] });
    raw.profile = { source: 'nowhere', baseDn: 'ou=dirgate,dc=corp,dc=example' };
    const problems = problemsOf(() => buildConfig(raw, { env: {} }));
    assert.ok(problems.includes('sources[1].name: source "corp" is defined twice'), problems.join('\n'));
    assert.ok(problems.includes('profile.source: unknown source "nowhere"'), problems.join('\n'));
  });

  it('lets the environment override ports, the data directory and secrets', () => {
    const raw = minimal() as Record<string, any>;
    raw.sources[0].bind = { dn: 'cn=admin,dc=corp,dc=example', password: 'from-file' };
    const config = buildConfig(raw, {
      env: { DIRGATE_GATEWAY_PORT: '18080', DIRGATE_DATA_DIR: '/tmp/dg-data', DIRGATE_SOURCE_CORP_PASSWORD: 'from-env', DIRGATE_OPENTOKEN_PASSWORD: 'ot' },
    });
    assert.equal(config.gateway.port, 18080);
    assert.equal(config.dataDir, '/tmp/dg-data');
    assert.equal(config.sources[0]!.bind!.password, 'from-env');
    assert.equal(config.opentoken.password, 'ot');
    assert.equal(raw.gateway.port, undefined, 'the caller\'s object is not modified');
  });

  it('names the environment variable\'s key when its value is not a port', () => {
    const problems = problemsOf(() => buildConfig(minimal(), { env: { DIRGATE_FIREWALL_PORT: 'https' } }));
    assert.deepEqual(problems, ['firewall.port: must be integer']);
  });

  it('names each demo secret left in place', () => {
    const config = loadConfig(DEMO_CONFIG, { env: {} });
    const keys = findDemoSecrets(config).map((w) => w.key);
    assert.ok(keys.includes('opentoken.password'));
    assert.ok(keys.includes('sources[0].bind.password'));
    const changed = loadConfig(DEMO_CONFIG, { env: { DIRGATE_OPENTOKEN_PASSWORD: 'a-real-one', DIRGATE_SOURCE_CORP_PASSWORD: 'x', DIRGATE_SOURCE_HR_PASSWORD: 'y' } });
    const left = findDemoSecrets(changed).map((w) => w.key);
    assert.ok(!left.includes('opentoken.password') && !left.includes('sources[0].bind.password'));
  });

  it('reports a file that cannot be parsed or read', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dirgate-config-'));
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'sources: [unclosed\n');
    assert.match(problemsOf(() => loadConfig(file, { env: {} }))[0]!, /cannot be parsed/);
    assert.match(problemsOf(() => loadConfig(path.join(dir, 'missing.yaml'), { env: {} }))[0]!, /cannot be read: ENOENT/);
  });
});
