/**
 * The CLI as a user meets it: `dirgate start` on the embedded default, a bad
 * configuration, a port in use, and a change made over LDAP that survives a
 * restart. The process runs for real, on free loopback ports and its own data
 * directory (the fixed demo ports stay free for a running demo).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Attribute, Change, Client } from 'ldapts';
import { freePort } from '../../helpers/ports.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = ['--import', 'tsx', path.join(root, 'src/cli.ts')];

interface Ports { directory: number; gateway: number; firewall: number; keyserver: number }

async function freePorts(): Promise<Ports> {
  return { directory: await freePort(), gateway: await freePort(), firewall: await freePort(), keyserver: await freePort() };
}

function envFor(dataDir: string, ports: Ports): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DIRGATE_DATA_DIR: dataDir,
    DIRGATE_DIRECTORY_PORT: String(ports.directory),
    DIRGATE_GATEWAY_PORT: String(ports.gateway),
    DIRGATE_FIREWALL_PORT: String(ports.firewall),
    DIRGATE_KEYSERVER_PORT: String(ports.keyserver),
    DIRGATE_LOG_LEVEL: 'warn',
  };
}

interface Started { child: ChildProcess; stdout: string; stderr: string }

/** Starts `dirgate start` and resolves once it prints that it is up. */
function startDirgate(env: NodeJS.ProcessEnv): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cli, 'start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const started: Started = { child, stdout: '', stderr: '' };
    const timer = setTimeout(() => reject(new Error(`dirgate start did not come up:\n${started.stderr}`)), 20_000);
    child.stdout!.on('data', (d) => {
      started.stdout += d;
      if (/ up in \d+ ms/.test(started.stdout) && started.stdout.includes('firewall')) {
        clearTimeout(timer);
        resolve(started);
      }
    });
    child.stderr!.on('data', (d) => { started.stderr += d; });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dirgate start exited with ${code}:\n${started.stderr}`));
    });
  });
}

function stopDirgate(s: Started): Promise<number | null> {
  return new Promise((resolve) => {
    s.child.removeAllListeners('exit');
    s.child.once('exit', (code) => resolve(code));
    s.child.kill('SIGTERM');
  });
}

describe('dirgate start on the embedded default', function () {
  this.timeout(60_000);
  let dataDir: string;
  let ports: Ports;

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'dirgate-cli-'));
    ports = await freePorts();
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('comes up, warns about each demo secret, and serves the demo directory to ldapsearch', async () => {
    const s = await startDirgate(envFor(dataDir, ports));
    try {
      for (const part of ['directory', 'keyserver', 'gateway', 'firewall']) assert.match(s.stdout, new RegExp(`${part}\\s+\\S+`));
      assert.match(s.stderr, /demo secret in use: opentoken\.password/);
      assert.match(s.stderr, /demo secret in use: keyserver\.kek/);
      const ldapsearch = spawnSync('ldapsearch', ['-x', '-LLL', '-H', `ldap://127.0.0.1:${ports.directory}`, '-b', 'dc=corp,dc=example', '(uid=alice)', 'mail'], { encoding: 'utf8' });
      assert.equal(ldapsearch.status, 0, ldapsearch.stderr);
      assert.match(ldapsearch.stdout, /dn: uid=alice,ou=people,dc=corp,dc=example/);
      assert.match(ldapsearch.stdout, /mail: alice@corp\.example/);
    } finally {
      assert.equal(await stopDirgate(s), 0, 'a clean stop exits 0');
    }
  });

  it('keeps a change made over LDAP across a restart', async () => {
    let s = await startDirgate(envFor(dataDir, ports));
    const client = new Client({ url: `ldap://127.0.0.1:${ports.directory}` });
    try {
      await client.bind('cn=admin,dc=corp,dc=example', 'directory-admin-pass');
      await client.modify('uid=carol,ou=people,dc=corp,dc=example', new Change({
        operation: 'replace', modification: new Attribute({ type: 'telephoneNumber', values: ['+1 555 0199'] }),
      }));
    } finally {
      await client.unbind();
      await stopDirgate(s);
    }
    s = await startDirgate(envFor(dataDir, ports));
    const again = new Client({ url: `ldap://127.0.0.1:${ports.directory}` });
    try {
      const { searchEntries } = await again.search('uid=carol,ou=people,dc=corp,dc=example', { scope: 'base', attributes: ['telephoneNumber'] });
      assert.equal(searchEntries[0]?.telephoneNumber, '+1 555 0199');
    } finally {
      await again.unbind();
      await stopDirgate(s);
    }
  });

  it('names the port when it is already in use, and exits non-zero', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(ports.gateway, '127.0.0.1', resolve));
    try {
      const r = spawnSync(process.execPath, [...cli, 'start'], { cwd: root, env: envFor(dataDir, ports), encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 1);
      assert.match(r.stderr, new RegExp(`port ${ports.gateway} on 127\\.0\\.0\\.1 \\(gateway\\) is already in use`));
    } finally {
      blocker.close();
    }
  });
});

describe('dirgate with a bad configuration', () => {
  it('lists every bad key and exits with code 2 before starting anything', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dirgate-badconf-'));
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, [
      'sources:',
      '  - { name: corp, urls: ["ftp://nowhere"], baseDn: "dc=corp,dc=example", colour: blue }',
      'views: []',
      'gateway: { port: eighty }',
    ].join('\n'));
    const r = spawnSync(process.execPath, [...cli, 'check-config', '--config', file], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    rmSync(dir, { recursive: true, force: true });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /sources\[0\]\.colour: is not a known key/);
    assert.match(r.stderr, /sources\[0\]\.urls\[0\]: must match pattern/);
    assert.match(r.stderr, /gateway\.port: must be integer/);
    assert.match(r.stderr, /views: must NOT have fewer than 1 items/);
  });

  it('accepts the demo configuration and names its demo secrets', () => {
    const r = spawnSync(process.execPath, [...cli, 'check-config'], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /warning: opentoken\.password has the demo value/);
    assert.match(r.stdout, /configuration is valid/);
  });
});
