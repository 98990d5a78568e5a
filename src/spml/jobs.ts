/**
 * Asynchronous SPML requests (executionMode="asynchronous"): a bounded table
 * of jobs in this process. A job belongs to the caller that started it; its
 * result can be fetched with statusRequest until the result TTL passes; a
 * running job can be cancelled. Jobs are per process: another replica, or a
 * restart, does not know them (statusRequest answers noSuchRequest).
 */
import { randomBytes } from 'node:crypto';
import { DirgateError } from '../errors.js';
import type { SpmlResponse } from './model.js';
import { failureResponse } from './responses.js';

export interface SpmlJob {
  readonly requestID: string;
  readonly owner: string;
  readonly startedAt: number;
  state: 'running' | 'done';
  /** The pending response the request was answered with (kind and requestID of the job). */
  readonly pending: SpmlResponse;
  finishedAt?: number;
  /** The final response, once done. */
  result?: SpmlResponse;
  /** What a running job has produced so far (a batch's completed responses), for statusRequest. */
  partial?: SpmlResponse;
  cancelled: boolean;
  readonly abort: AbortController;
}

export interface JobTableOptions {
  maxJobs: number;
  maxRunning: number;
  resultTtlMs: number;
  now?: () => number;
}

export class SpmlJobTable {
  private readonly jobs = new Map<string, SpmlJob>();
  private readonly now: () => number;

  constructor(private readonly options: JobTableOptions) {
    this.now = options.now ?? Date.now;
  }

  private key(owner: string, requestID: string): string {
    return `${owner}\u0000${requestID}`;
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, job] of this.jobs) {
      if (job.state === 'done' && job.finishedAt !== undefined && t - job.finishedAt > this.options.resultTtlMs) this.jobs.delete(k);
    }
  }

  get running(): number {
    let n = 0;
    for (const j of this.jobs.values()) if (j.state === 'running') n += 1;
    return n;
  }

  get size(): number {
    this.sweep();
    return this.jobs.size;
  }

  /** A requestID for a request that came without one. */
  static newRequestId(): string {
    return `req${randomBytes(12).toString('base64url')}`;
  }

  /**
   * Starts `run` in the background as `pending.requestID` for `owner`. Throws when the
   * ID is in use by that owner or the table is full of running jobs.
   */
  start(owner: string, pending: SpmlResponse & { requestID: string }, run: (job: SpmlJob) => Promise<SpmlResponse>): SpmlJob {
    const { requestID } = pending;
    this.sweep();
    const k = this.key(owner, requestID);
    if (this.jobs.has(k)) {
      throw new DirgateError('ERR_MALFORMED_REQUEST', `requestID "${requestID}" is already in use by an asynchronous request`, { reason: 'spml-duplicate-request-id' });
    }
    if (this.running >= this.options.maxRunning) {
      throw new DirgateError('ERR_LIMIT_EXCEEDED', `${this.options.maxRunning} asynchronous requests are already running; try again later`, { reason: 'spml-async-busy' });
    }
    if (this.jobs.size >= this.options.maxJobs) {
      const oldestDone = [...this.jobs.entries()]
        .filter(([, j]) => j.state === 'done')
        .sort((a, b) => (a[1].finishedAt ?? 0) - (b[1].finishedAt ?? 0))[0];
      if (!oldestDone) {
        throw new DirgateError('ERR_LIMIT_EXCEEDED', 'too many asynchronous requests are remembered; try again later', { reason: 'spml-async-full' });
      }
      this.jobs.delete(oldestDone[0]);
    }
    const job: SpmlJob = { requestID, owner, pending, startedAt: this.now(), state: 'running', cancelled: false, abort: new AbortController() };
    this.jobs.set(k, job);
    void run(job).then(
      (result) => this.finish(job, result),
      // run() turns failures into responses itself; this is the last resort.
      (err) => this.finish(job, failureResponse(pending.kind, requestID, err, undefined, pending.kind === 'unsupported' ? pending.element : undefined)),
    );
    return job;
  }

  private finish(job: SpmlJob, result: SpmlResponse): void {
    job.state = 'done';
    job.finishedAt = this.now();
    job.result = result;
    job.partial = undefined;
  }

  /** The caller's job, or undefined (unknown, expired or someone else's). */
  get(owner: string, requestID: string): SpmlJob | undefined {
    this.sweep();
    return this.jobs.get(this.key(owner, requestID));
  }

  /** The caller's jobs, oldest first. */
  list(owner: string): SpmlJob[] {
    this.sweep();
    return [...this.jobs.values()].filter((j) => j.owner === owner).sort((a, b) => a.startedAt - b.startedAt);
  }

  /** Asks a running job to stop; resolves to 'cancelled', 'finished' (too late) or 'unknown'. */
  cancel(owner: string, requestID: string): 'cancelled' | 'finished' | 'unknown' {
    const job = this.get(owner, requestID);
    if (!job) return 'unknown';
    if (job.state === 'done') return 'finished';
    job.cancelled = true;
    job.abort.abort(new DirgateError('ERR_INTERNAL', 'cancelled by cancelRequest', { reason: 'spml-cancelled' }));
    return 'cancelled';
  }

  /** Waits for every running job (tests and shutdown). */
  async drain(): Promise<void> {
    while (this.running > 0) await new Promise((r) => setTimeout(r, 5));
  }
}
