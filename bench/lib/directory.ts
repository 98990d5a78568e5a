/**
 * The benchmark's directory: two real slapd servers (test/helpers/slapd.ts),
 * corp and hr, each loaded with `count` generated people. startSlapd loads a
 * small skeleton; the bulk is added offline with slapadd after the database
 * is given room (back-mdb's default map is 10 MB) and equality indexes on the
 * attributes the scenarios search by (uid, mail, session ids): the server is
 * halted, its cn=config changed with slapmodify, the people added, and the
 * server restarted on the same port.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startSlapd, type Slapd } from '../../test/helpers/slapd.js';
import { REPO_ROOT } from './paths.js';
import { CORP_SUFFIX, HR_SUFFIX, corpSkeleton, hrSkeleton, writePeopleLdif } from './people.js';

const execFileAsync = promisify(execFile);
const SLAPADD = process.env.DIRGATE_SLAPADD ?? '/usr/sbin/slapadd';
const SLAPMODIFY = process.env.DIRGATE_SLAPMODIFY ?? '/usr/sbin/slapmodify';
const DIRGATE_SCHEMA = path.join(REPO_ROOT, 'schemas', 'ldap', 'dirgate.ldif');
const MDB = 'olcDatabase={1}mdb,cn=config';

export interface PeopleDirectory {
  count: number;
  corp: Slapd;
  hr: Slapd;
  /** Seconds spent generating and loading the people. */
  loadSeconds: number;
  stop(): Promise<void>;
}

async function run(cmd: string, args: string[]): Promise<void> {
  try {
    await execFileAsync(cmd, args, { maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${path.basename(cmd)} ${args.join(' ')} failed: ${(e.stderr ?? e.message).trim().slice(-2000)}`);
  }
}

/** Halts the server, gives its database room and indexes, adds the bulk LDIF, and starts it again. */
async function loadBulk(server: Slapd, indexes: string[], bulkFile: string, mapBytes: number): Promise<void> {
  await server.halt();
  const confDir = path.join(server.dataDir, 'slapd.d');
  const change = path.join(server.dataDir, 'bench-config.ldif');
  await writeFile(change, `dn: ${MDB}
changetype: modify
replace: olcDbMaxSize
olcDbMaxSize: ${mapBytes}
-
add: olcDbIndex
${indexes.map((i) => `olcDbIndex: ${i}`).join('\n')}
-
`);
  await run(SLAPMODIFY, ['-n0', '-F', confDir, '-l', change]);
  // -q: no consistency checks (the generator's output is known good), much faster for a million entries.
  await run(SLAPADD, ['-n1', '-q', '-F', confDir, '-l', bulkFile]);
  await server.restart();
}

/** Room for the database: generous, the map is sparse. */
function mapSize(count: number): number {
  return Math.max(1 << 30, count * 8192);
}

export async function startPeopleDirectory(count: number): Promise<PeopleDirectory> {
  const started = performance.now();
  const work = await mkdtemp(path.join(os.tmpdir(), 'dirgate-bench-people-'));
  const corpFile = path.join(work, 'corp.ldif');
  const hrFile = path.join(work, 'hr.ldif');
  let corp: Slapd | undefined;
  let hr: Slapd | undefined;
  try {
    const [, c, h] = await Promise.all([
      writePeopleLdif(count, corpFile, hrFile),
      startSlapd({ suffix: CORP_SUFFIX, ldif: corpSkeleton(), extraSchemas: [DIRGATE_SCHEMA] }),
      startSlapd({ suffix: HR_SUFFIX, ldif: hrSkeleton() }),
    ]);
    corp = c;
    hr = h;
    await Promise.all([
      loadBulk(c, ['uid,mail,cn eq', 'member eq', 'dirgateSessionId,dirgateUser eq'], corpFile, mapSize(count)),
      loadBulk(h, ['mail,cn,employeeNumber,departmentNumber eq'], hrFile, mapSize(count)),
    ]);
  } catch (err) {
    await Promise.all([corp?.stop(), hr?.stop()]);
    throw err;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const loadSeconds = (performance.now() - started) / 1000;
  const [corpServer, hrServer] = [corp, hr];
  return {
    count,
    corp: corpServer,
    hr: hrServer,
    loadSeconds,
    async stop() {
      await Promise.all([corpServer.stop(), hrServer.stop()]);
    },
  };
}

/** The pid slapd wrote, for CPU readings. */
export async function slapdPid(server: Slapd): Promise<number> {
  return Number((await readFile(path.join(server.dataDir, 'slapd.pid'), 'utf8')).trim());
}
