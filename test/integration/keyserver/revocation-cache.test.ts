import assert from 'node:assert/strict';
import { cachedRevocationStore, memoryRevocationStore, type RevocationStore } from '../../../src/keyserver/index.js';

const ID = 'dirgate:v1:mobile-demo:s-1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA:1900000000';

/** A store that counts reads and can hold them open, to watch the cache from outside. */
function countingStore(inner: RevocationStore) {
  let reads = 0;
  let gate: Promise<void> = Promise.resolve();
  return {
    get reads() { return reads; },
    hold(): () => void { let open!: () => void; gate = new Promise((r) => { open = r; }); return open; },
    store: {
      revoke: (identity: string, expiresAt: number) => inner.revoke(identity, expiresAt),
      // The answer is read first and delivered later: a held read returns what was true when it started.
      isRevoked: async (identity: string) => { reads += 1; const answer = await inner.isRevoked(identity); await gate; return answer; },
    } satisfies RevocationStore,
  };
}

describe('the revocation cache', () => {
  it('reads the store once for concurrent checks of one identity', async () => {
    const counting = countingStore(memoryRevocationStore());
    const cached = cachedRevocationStore(counting.store, { cacheMs: 0 });
    const open = counting.hold();
    const checks = Promise.all([cached.isRevoked(ID), cached.isRevoked(ID), cached.isRevoked(ID)]);
    open();
    assert.deepEqual(await checks, [false, false, false]);
    assert.equal(counting.reads, 1);
  });

  it('keeps a revoked answer for good and never reads the store for it again', async () => {
    const counting = countingStore(memoryRevocationStore());
    const cached = cachedRevocationStore(counting.store, { cacheMs: 0 });
    await cached.revoke(ID, 1_900_000_000);
    assert.equal(await cached.isRevoked(ID), true);
    assert.equal(await cached.isRevoked(ID), true);
    assert.equal(counting.reads, 0);
  });

  it('lets a revocation made here win over a read that was in flight', async () => {
    const counting = countingStore(memoryRevocationStore());
    const cached = cachedRevocationStore(counting.store, { cacheMs: 60_000 });
    const open = counting.hold();
    const inFlight = cached.isRevoked(ID);
    await cached.revoke(ID, 1_900_000_000);
    open();
    assert.equal(await inFlight, true, 'the stale answer of the read is not passed on');
    assert.equal(await cached.isRevoked(ID), true);
  });
});
