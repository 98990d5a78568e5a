/**
 * Time limits we run ourselves: ldapts's own `timeout` and `connectTimeout`
 * reject with plain Errors that differ from a closed socket only in their text,
 * and the fail-over needs to know which happened. On expiry the connection is
 * dropped (through `onExpire`) so nothing keeps waiting on it.
 */
import { DirgateError } from '../../errors.js';
import { SourceTimeoutError, type SourcePhase } from './map-error.js';

export function abortError(signal: AbortSignal): DirgateError {
  const reason: unknown = signal.reason;
  if (reason instanceof DirgateError) return reason;
  return new DirgateError('ERR_INTERNAL', 'the operation was aborted', { reason: 'aborted', cause: reason });
}

export function withTimeLimit<T>(
  work: Promise<T>,
  o: { ms: number; phase: SourcePhase; onExpire: () => void; signal?: AbortSignal },
): Promise<T> {
  if (o.signal?.aborted) {
    work.catch(() => undefined);
    o.onExpire();
    return Promise.reject(abortError(o.signal));
  }
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const timer = setTimeout(() => {
      if (!finish()) return;
      o.onExpire();
      reject(new SourceTimeoutError(o.phase, o.ms));
    }, o.ms);
    const onAbort = (): void => {
      if (!finish()) return;
      o.onExpire();
      reject(abortError(o.signal as AbortSignal));
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => { if (finish()) resolve(value); },
      (err: unknown) => { if (finish()) reject(err); },
    );
  });
}

/** A time limit on silence: restarted by each sign of life, suspended while we hold the server back. */
export class Watchdog {
  private timer: NodeJS.Timeout | undefined;
  private fired = false;

  constructor(private readonly ms: number, private readonly onExpire: () => void) {}

  get expired(): boolean {
    return this.fired;
  }

  kick(): void {
    if (this.fired) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.onExpire();
    }, this.ms);
  }

  suspend(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  stop(): void {
    this.suspend();
  }
}
