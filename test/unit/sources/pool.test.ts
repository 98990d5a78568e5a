import assert from 'node:assert/strict';
import { DirgateError } from '../../../src/errors.js';
import type { SourceConnection } from '../../../src/directory/sources/connection.js';
import { ConnectionPool } from '../../../src/directory/sources/pool.js';

/** Stand-ins for connections: the pool only looks at `usable` and `url`, and closes or destroys. */
interface FakeConnection { id: number; url: string; usable: boolean; closed: boolean; close(): void; destroy(): void }

function fakes() {
  const made: FakeConnection[] = [];
  let url = 'ldap://a';
  const open = async () => {
    const c: FakeConnection = {
      id: made.length + 1, url, usable: true, closed: false,
      close() { this.closed = true; this.usable = false; },
      destroy() { this.closed = true; this.usable = false; },
    };
    made.push(c);
    return c as unknown as SourceConnection;
  };
  return { made, open, setUrl: (u: string) => { url = u; }, currentUrl: () => url };
}

describe('the connection pool', () => {
  it('reuses a released connection instead of opening another', async () => {
    const f = fakes();
    const pool = new ConnectionPool({ source: 'corp', size: 2, waitMs: 100, open: f.open, current: (c) => c.url === f.currentUrl() });
    const first = await pool.acquire();
    pool.release(first);
    assert.equal(await pool.acquire(), first);
    assert.equal(f.made.length, 1);
  });

  it('opens at most `size` connections and makes the next caller wait for a release', async () => {
    const f = fakes();
    const pool = new ConnectionPool({ source: 'corp', size: 2, waitMs: 5_000, open: f.open, current: () => true });
    const a = await pool.acquire();
    await pool.acquire();
    const third = pool.acquire();
    pool.release(a);
    assert.equal(await third, a);
    assert.equal(f.made.length, 2);
  });

  it('answers ERR_BUSY when no connection comes back in time', async () => {
    const f = fakes();
    const pool = new ConnectionPool({ source: 'corp', size: 1, waitMs: 20, open: f.open, current: () => true });
    await pool.acquire();
    await assert.rejects(pool.acquire(), (err: unknown) => err instanceof DirgateError && err.code === 'ERR_BUSY' && err.reason === 'source-pool-exhausted');
  });

  it('lets go of idle connections the server closed, or that lead to a replica no longer preferred', async () => {
    const f = fakes();
    const pool = new ConnectionPool({ source: 'corp', size: 2, waitMs: 100, open: f.open, current: (c) => c.url === f.currentUrl() });
    const a = await pool.acquire();
    const b = await pool.acquire();
    pool.release(a);
    pool.release(b);
    f.made[0]!.usable = false; // closed by the server while idle
    f.setUrl('ldap://b'); // and the preferred replica changed
    const c = await pool.acquire();
    assert.equal((c as unknown as FakeConnection).url, 'ldap://b');
    assert.deepEqual(f.made.map((m) => m.closed), [true, true, false]);
  });

  it('destroys a discarded connection and frees its place', async () => {
    const f = fakes();
    const pool = new ConnectionPool({ source: 'corp', size: 1, waitMs: 1_000, open: f.open, current: () => true });
    const a = await pool.acquire();
    const waiting = pool.acquire();
    pool.discard(a);
    const b = await waiting;
    assert.notEqual(b, a);
    assert.equal(f.made[0]!.closed, true);
  });

  it('refuses callers once closed, and closes what it holds', async () => {
    const f = fakes();
    const pool = new ConnectionPool({ source: 'corp', size: 1, waitMs: 100, open: f.open, current: () => true });
    pool.release(await pool.acquire());
    pool.close();
    assert.equal(f.made[0]!.closed, true);
    await assert.rejects(pool.acquire(), (err: unknown) => err instanceof DirgateError && err.reason === 'source-closed');
  });
});
