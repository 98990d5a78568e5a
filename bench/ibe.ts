/**
 * IBE throughput, side by side for both backends: key extraction, wrap
 * (encrypt a 32-byte content key), unwrap (decrypt it) and key verification,
 * on the calling thread (one core) and through the worker pool (every core),
 * plus the IBE work of one login (extract at the key server + wrap at the
 * gateway) through the pool.
 *
 *   npx tsx bench/ibe.ts [--quick] [--backend noble|mcl] [--workers N]
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { buildIdentity, createIbePool, encodeCiphertext, loadIbe, type BackendName } from '../src/ibe/index.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const option = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const backends: BackendName[] = option('--backend') ? [option('--backend') as BackendName] : ['noble', 'mcl'];
const workers = Number(option('--workers') ?? Math.min(4, availableParallelism()));
// Enough operations for a stable rate, bounded in time.
const budgetMs = quick ? 1_500 : 6_000;
const maxOps = quick ? 200 : 2_000;

const SECRET = randomBytes(32).toString('base64url');
let fresh = 0;
/** A new identity each call, so no per-identity cache flatters a figure. */
function newIdentity(): string {
  return buildIdentity({ app: 'bench', sessionId: `s${fresh++}`, secret: SECRET, expiresAt: 1_900_000_000 });
}

async function rate(run: (i: number) => unknown | Promise<unknown>): Promise<number> {
  await run(-1);
  const start = performance.now();
  let n = 0;
  while (n < maxOps && performance.now() - start < budgetMs) await run(n++);
  return n / ((performance.now() - start) / 1000);
}

/** Keeps `concurrency` operations in flight until the budget is spent. */
async function poolRate(concurrency: number, run: (i: number) => Promise<unknown>): Promise<number> {
  // Warm every worker (backend load, precomputed tables) before the clock starts.
  await Promise.all(Array.from({ length: concurrency }, (_, i) => run(-1 - i)));
  const start = performance.now();
  let n = 0;
  const lane = async () => {
    while (n < maxOps && performance.now() - start < budgetMs) await run(n++);
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return n / ((performance.now() - start) / 1000);
}

interface Row { backend: string; where: string; extract: number; wrap: number; unwrap: number; verify: number; login: number | undefined }

const rows: Row[] = [];
for (const backend of backends) {
  const ibe = await loadIbe(backend);
  const { masterSecret, masterPublicKey } = ibe.setup();
  const contentKey = randomBytes(32);
  const receiver = newIdentity();
  const key = ibe.extract(masterSecret, receiver);
  // Distinct ciphertexts so no cache can help the unwrap figure.
  const ciphertexts = Array.from({ length: quick ? 64 : 256 }, () => encodeCiphertext(ibe.encrypt(masterPublicKey, receiver, contentKey)));
  const ct = (i: number) => ciphertexts[((i % ciphertexts.length) + ciphertexts.length) % ciphertexts.length]!;

  rows.push({
    backend,
    where: 'main thread',
    extract: await rate(() => ibe.extract(masterSecret, newIdentity())),
    wrap: await rate(() => ibe.encrypt(masterPublicKey, newIdentity(), contentKey)),
    unwrap: await rate((i) => ibe.decrypt(key, ct(i))),
    verify: await rate(() => ibe.verifyIdentityKey(masterPublicKey, receiver, key)),
    login: undefined,
  });

  const pool = createIbePool({ backend, size: workers });
  const inFlight = workers * 2;
  try {
    rows.push({
      backend,
      where: `pool of ${workers}`,
      extract: await poolRate(inFlight, () => pool.extract(masterSecret, newIdentity())),
      wrap: await poolRate(inFlight, () => pool.encrypt(masterPublicKey, newIdentity(), contentKey)),
      unwrap: await poolRate(inFlight, (i) => pool.decrypt(key, ct(i))),
      verify: await poolRate(inFlight, () => pool.verifyIdentityKey(masterPublicKey, receiver, key)),
      // One login: the key server extracts the session's key, the gateway wraps the session's content key.
      // The two run in different processes in production, so neither may reuse the other's hash of the identity.
      login: await poolRate(inFlight, async () => {
        await pool.extract(masterSecret, newIdentity());
        await pool.encrypt(masterPublicKey, newIdentity(), contentKey);
      }),
    });
  } finally {
    await pool.close();
  }
}

const fmt = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(0)).padStart(9);
process.stdout.write(`IBE throughput (operations per second; ${availableParallelism()} cores${quick ? ', quick run' : ''})\n`);
process.stdout.write(`${'backend'.padEnd(8)} ${'where'.padEnd(12)} ${'extract/s'.padStart(9)} ${'wrap/s'.padStart(9)} ${'unwrap/s'.padStart(9)} ${'verify/s'.padStart(9)} ${'logins/s'.padStart(9)}\n`);
for (const r of rows) {
  process.stdout.write(`${r.backend.padEnd(8)} ${r.where.padEnd(12)} ${fmt(r.extract)} ${fmt(r.wrap)} ${fmt(r.unwrap)} ${fmt(r.verify)} ${fmt(r.login)}\n`);
}
process.stdout.write('logins/s = the IBE work of one login (extract + wrap) through the pool; the product goal is >= 200 on 2 cores.\n');
