import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createIbePool, loadIbe, type IbePool } from '../../../src/ibe/index.js';

const IDENTITY = 'dirgate:v1:mobile-demo:s-pool:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA:1900000000';

describe('the IBE worker pool', () => {
  let pool: IbePool;
  let master: { masterSecret: Uint8Array; masterPublicKey: Uint8Array };
  before(async () => {
    master = (await loadIbe('noble')).setup();
    pool = createIbePool({ backend: 'mcl', size: 2 });
  });
  after(() => pool.close());

  it('extracts, wraps, unwraps and verifies in worker threads', async () => {
    const key = await pool.extract(master.masterSecret, IDENTITY);
    assert.equal(await pool.verifyIdentityKey(master.masterPublicKey, IDENTITY, key), true);
    const contentKey = randomBytes(32);
    const ciphertext = await pool.encrypt(master.masterPublicKey, IDENTITY, contentKey);
    assert.equal(ciphertext.length, 160);
    assert.deepEqual(Buffer.from(await pool.decrypt(key, ciphertext)), contentKey);
  });

  it('gives the same key as the in-thread implementation', async () => {
    const inThread = (await loadIbe('noble')).extract(master.masterSecret, IDENTITY);
    assert.deepEqual(Buffer.from(await pool.extract(master.masterSecret, IDENTITY)), Buffer.from(inThread));
  });

  it('passes typed errors back from the worker', async () => {
    const key = await pool.extract(master.masterSecret, IDENTITY);
    await assert.rejects(pool.decrypt(key, randomBytes(160)), { name: 'DirgateError', code: 'ERR_DECRYPTION_FAILED' });
  });

  it('leaves the event loop free while pairings run', async () => {
    let turns = 0;
    let running = true;
    const spin = () => { turns += 1; if (running) setImmediate(spin); };
    setImmediate(spin);
    const work = Array.from({ length: 8 }, () => pool.encrypt(master.masterPublicKey, IDENTITY, randomBytes(32)));
    await Promise.all(work);
    running = false;
    // Eight pairings on the main thread would have allowed no turn at all until they were done.
    assert.ok(turns > 8, `the event loop turned ${turns} times`);
  });

  it('refuses work once closed', async () => {
    const closing = createIbePool({ backend: 'noble', size: 1 });
    await closing.close();
    await assert.rejects(closing.extract(master.masterSecret, IDENTITY), { code: 'ERR_INTERNAL', reason: 'ibe-pool-closed' });
  });
});
