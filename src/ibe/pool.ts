/**
 * A small pool of worker threads for the pairing work, so that one login's
 * pairing (milliseconds of CPU) never stalls the requests around it. Tasks go
 * to the least busy worker; a worker that dies fails only its own tasks and is
 * replaced. Workers are ref'd only while they have work, so an idle pool never
 * keeps the process alive.
 *
 * The worker file is found beside this one with the same extension, so the
 * pool runs from src/ under tsx (.ts, with tsx's loader passed on) and from
 * dist/ (.js) alike.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DirgateError, ERRORS, type ErrorCode } from '../errors.js';
import type { BackendName } from './backend.js';
import { DIRGATE_IBE_DST } from './constants.js';

export type WorkerTask = { id: number } & (
  | { op: 'extract'; masterSecret: Uint8Array; identity: string; dst: string }
  | { op: 'encrypt'; masterPublicKey: Uint8Array; identity: string; msg: Uint8Array; dst: string }
  | { op: 'decrypt'; identityKey: Uint8Array; ciphertext: Uint8Array }
  | { op: 'verify'; masterPublicKey: Uint8Array; identity: string; identityKey: Uint8Array; dst: string }
);

export type WorkerReply =
  | { id: number; ok: true; result: Uint8Array | boolean }
  | { id: number; ok: false; error: { code: ErrorCode; message: string; reason: string } };

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
type TaskInput = DistributiveOmit<WorkerTask, 'id'>;

export interface IbePoolOptions {
  backend?: BackendName;
  /** Worker threads; default: the number of cores, at most 4. */
  size?: number;
}

export interface IbePool {
  readonly backend: BackendName;
  readonly size: number;
  extract(masterSecret: Uint8Array, identity: string, dst?: string): Promise<Uint8Array>;
  /** Resolves to the encoded ciphertext U || V || W. */
  encrypt(masterPublicKey: Uint8Array, identity: string, msg: Uint8Array, dst?: string): Promise<Uint8Array>;
  decrypt(identityKey: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array>;
  verifyIdentityKey(masterPublicKey: Uint8Array, identity: string, identityKey: Uint8Array, dst?: string): Promise<boolean>;
  close(): Promise<void>;
}

const here = fileURLToPath(import.meta.url);
const WORKER_FILE = path.join(path.dirname(here), `worker${path.extname(here)}`);

/** tsx's ESM API (the module that registers its loader), found from this file whether it runs as ESM or CommonJS. */
function tsxApiUrl(): string {
  const tsxRoot = path.dirname(createRequire(here).resolve('tsx/package.json'));
  return pathToFileURL(path.join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs')).href;
}

function startWorker(backend: BackendName): Worker {
  const workerData = { backend };
  if (!WORKER_FILE.endsWith('.ts')) return new Worker(WORKER_FILE, { workerData });
  // Running from source: a worker does not inherit tsx's loader hooks, so it
  // registers them itself before importing the TypeScript worker.
  const bootstrap = `import(${JSON.stringify(tsxApiUrl())})`
    + `.then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(WORKER_FILE).href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (v: Uint8Array | boolean) => void; reject: (e: unknown) => void }>;
}

export function createIbePool(options: IbePoolOptions = {}): IbePool {
  const backend = options.backend ?? 'noble';
  const size = Math.max(1, options.size ?? Math.min(4, availableParallelism()));
  const slots: Slot[] = [];
  let nextId = 1;
  let closed = false;

  function spawn(index: number): Slot {
    const worker = startWorker(backend);
    worker.unref();
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (reply: WorkerReply) => {
      const waiter = slot.pending.get(reply.id);
      if (!waiter) return;
      slot.pending.delete(reply.id);
      if (slot.pending.size === 0) worker.unref();
      if (reply.ok) waiter.resolve(reply.result);
      else {
        const code = reply.error.code in ERRORS ? reply.error.code : 'ERR_INTERNAL';
        waiter.reject(new DirgateError(code, reply.error.message, { reason: reply.error.reason }));
      }
    });
    const fail = (err: unknown) => {
      for (const waiter of slot.pending.values()) {
        waiter.reject(new DirgateError('ERR_INTERNAL', 'an IBE worker stopped', { reason: 'ibe-worker-failed', cause: err }));
      }
      slot.pending.clear();
      if (!closed && slots[index] === slot) slots[index] = spawn(index);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => { if (!closed) fail(new Error(`IBE worker exited with code ${code}`)); });
    return slot;
  }

  for (let i = 0; i < size; i++) slots.push(spawn(i));

  function submit(task: TaskInput): Promise<Uint8Array | boolean> {
    if (closed) return Promise.reject(new DirgateError('ERR_INTERNAL', 'the IBE worker pool is closed', { reason: 'ibe-pool-closed' }));
    const slot = slots.reduce((best, s) => (s.pending.size < best.pending.size ? s : best));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      if (slot.pending.size === 0) slot.worker.ref();
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ ...task, id });
    });
  }

  return {
    backend,
    size,
    extract: async (masterSecret, identity, dst = DIRGATE_IBE_DST) =>
      (await submit({ op: 'extract', masterSecret, identity, dst })) as Uint8Array,
    encrypt: async (masterPublicKey, identity, msg, dst = DIRGATE_IBE_DST) =>
      (await submit({ op: 'encrypt', masterPublicKey, identity, msg, dst })) as Uint8Array,
    decrypt: async (identityKey, ciphertext) => (await submit({ op: 'decrypt', identityKey, ciphertext })) as Uint8Array,
    verifyIdentityKey: async (masterPublicKey, identity, identityKey, dst = DIRGATE_IBE_DST) =>
      (await submit({ op: 'verify', masterPublicKey, identity, identityKey, dst })) as boolean,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(slots.map(async (slot) => {
        for (const waiter of slot.pending.values()) {
          waiter.reject(new DirgateError('ERR_INTERNAL', 'the IBE worker pool is closed', { reason: 'ibe-pool-closed' }));
        }
        slot.pending.clear();
        await slot.worker.terminate();
      }));
    },
  };
}
