/**
 * A small pool of connections bound as the source's service account, reused
 * across operations. At most `size` connections exist at once; a caller that
 * finds them all busy waits (at most `waitMs`) for one to come back. Idle
 * connections that were closed by the server, or that lead to a replica other
 * than the one now preferred (an earlier URL came back), are let go on the way
 * out instead of being handed to a caller.
 */
import { DirgateError } from '../../errors.js';
import { SOURCE_REASON } from './map-error.js';
import type { SourceConnection } from './connection.js';

export interface PoolOptions {
  source: string;
  size: number;
  waitMs: number;
  open(signal?: AbortSignal): Promise<SourceConnection>;
  /** Whether an idle connection still leads where new ones would go. */
  current(connection: SourceConnection): boolean;
}

interface Waiter {
  wake(): void;
}

export class ConnectionPool {
  private readonly idle: SourceConnection[] = [];
  private readonly busy = new Set<SourceConnection>();
  private opening = 0;
  private waiters: Waiter[] = [];
  private closed = false;

  constructor(private readonly o: PoolOptions) {}

  async acquire(signal?: AbortSignal): Promise<SourceConnection> {
    const deadline = Date.now() + this.o.waitMs;
    for (;;) {
      if (this.closed) throw new DirgateError('ERR_COULD_NOT_CONNECT', `source ${this.o.source} is closed`, { reason: SOURCE_REASON.closed });
      for (let c = this.idle.pop(); c !== undefined; c = this.idle.pop()) {
        if (c.usable && this.o.current(c)) {
          this.busy.add(c);
          return c;
        }
        c.close();
      }
      if (this.busy.size + this.opening < this.o.size) {
        this.opening += 1;
        try {
          const c = await this.o.open(signal);
          if (this.closed) {
            c.close();
            continue;
          }
          this.busy.add(c);
          return c;
        } finally {
          this.opening -= 1;
          // A failed open frees its place for someone who is waiting.
          this.wakeOne();
        }
      }
      const left = deadline - Date.now();
      if (left <= 0 || !(await this.waitForTurn(left))) {
        throw new DirgateError('ERR_BUSY', `source ${this.o.source}: every pooled connection is in use`, { reason: SOURCE_REASON.poolExhausted });
      }
    }
  }

  /** Gives a connection back after a clean exchange. */
  release(connection: SourceConnection): void {
    if (!this.busy.delete(connection)) return;
    if (!this.closed && connection.usable) this.idle.push(connection);
    else connection.close();
    this.wakeOne();
  }

  /** Gives a connection back that must not be used again. */
  discard(connection: SourceConnection): void {
    this.busy.delete(connection);
    connection.destroy();
    this.wakeOne();
  }

  get stats(): { idle: number; busy: number } {
    return { idle: this.idle.length, busy: this.busy.size };
  }

  close(): void {
    this.closed = true;
    for (const c of this.idle.splice(0)) c.close();
    for (const c of this.busy) c.close();
    this.busy.clear();
    for (const w of this.waiters.splice(0)) w.wake();
  }

  private waitForTurn(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        wake: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, ms);
      this.waiters.push(waiter);
    });
  }

  private wakeOne(): void {
    this.waiters.shift()?.wake();
  }
}
