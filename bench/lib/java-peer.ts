/**
 * The Apache Directory LDAP API peer (bench/java/ApacheDsmlBench.java):
 * compiled with javac into a scratch folder at run time, started as one JVM,
 * and driven over stdin/stdout one pass at a time so the harness can read the
 * JVM's CPU time around each pass.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { BENCH_SOURCE_DIR } from './paths.js';

const execFileAsync = promisify(execFile);

/** Debian: libapache-directory-api-java (and what it needs at run time, libantlr-java among them). */
const JARS = ['apache-directory-api-all', 'xpp3', 'dom4j', 'slf4j-api', 'slf4j-nop', 'commons-lang3', 'commons-text', 'commons-collections4', 'mina2-core', 'commons-codec', 'commons-io', 'commons-pool2', 'antlr']
  .map((j) => `/usr/share/java/${j}.jar`);
const SOURCE = path.join(BENCH_SOURCE_DIR, 'java', 'ApacheDsmlBench.java');

export interface PeerPass { threads: number; requests: number; errors: number; seconds: number; rps: number; p50: number; p99: number }

export interface ApachePeer {
  pid: number;
  run(threads: number, seconds: number, rate?: number): Promise<PeerPass>;
  stop(): Promise<void>;
}

export interface PeerOptions {
  host: string;
  port: number;
  bindDn: string;
  password: string;
  /** DSML batch documents (no line breaks inside), sent in turn. */
  requests: string[];
  /** Scratch folder for the classes and the request file. */
  work: string;
}

export async function startApachePeer(o: PeerOptions): Promise<ApachePeer> {
  const missing = JARS.filter((j) => !existsSync(j));
  if (missing.length) {
    throw new Error(`the Apache peer needs the Debian packages libapache-directory-api-java libantlr-java (missing ${missing.join(', ')})`);
  }
  const classes = path.join(o.work, 'classes');
  await mkdir(classes, { recursive: true });
  try {
    await execFileAsync('javac', ['-nowarn', '-d', classes, '-cp', JARS.join(':'), SOURCE]);
  } catch (err) {
    const e = err as { stderr?: string; message: string; code?: string };
    throw new Error(e.code === 'ENOENT' ? 'javac not found: install default-jdk-headless' : `javac failed: ${(e.stderr ?? e.message).trim()}`);
  }
  const requestsFile = path.join(o.work, 'requests.txt');
  if (o.requests.some((r) => /[\r\n]/.test(r))) throw new Error('peer requests must be single lines');
  await writeFile(requestsFile, `${o.requests.join('\n')}\n`);

  const jvm = spawn('java', ['-cp', [...JARS, classes].join(':'), 'ApacheDsmlBench', o.host, String(o.port), o.bindDn, o.password, requestsFile], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  process.once('exit', () => jvm.kill('SIGKILL'));
  const lines = createInterface({ input: jvm.stdout });
  const pending: Array<(line: string) => void> = [];
  // Only JSON lines are answers; anything else (a JVM diagnostic) goes to stderr.
  lines.on('line', (line) => {
    if (line.startsWith('{')) pending.shift()?.(line);
    else process.stderr.write(`${line}\n`);
  });
  const exited = new Promise<number | null>((resolve) => jvm.once('exit', (code) => resolve(code)));
  const nextLine = (): Promise<string> => new Promise((resolve, reject) => {
    pending.push(resolve);
    void exited.then((code) => reject(new Error(`the Apache peer JVM exited (${code})`)));
  });

  const timer = setTimeout(() => jvm.kill('SIGKILL'), 120_000);
  let ready: { ready?: boolean };
  try {
    ready = JSON.parse(await nextLine()) as { ready?: boolean };
  } finally {
    clearTimeout(timer);
  }
  if (!ready.ready) {
    jvm.kill('SIGKILL');
    throw new Error('the Apache peer did not start');
  }
  return {
    pid: jvm.pid!,
    async run(threads, seconds, rate = 0) {
      const answer = nextLine();
      jvm.stdin.write(`run ${threads} ${seconds} ${Math.round(rate)}\n`);
      const timer = setTimeout(() => jvm.kill('SIGKILL'), seconds * 1000 + 60_000);
      let parsed: PeerPass & { error?: string };
      try {
        parsed = JSON.parse(await answer) as PeerPass & { error?: string };
      } finally {
        clearTimeout(timer);
      }
      if (parsed.error) throw new Error(`Apache peer: ${parsed.error}`);
      return parsed;
    },
    async stop() {
      if (jvm.exitCode !== null) return;
      jvm.stdin.write('quit\n');
      const timer = setTimeout(() => jvm.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
