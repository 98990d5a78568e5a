/**
 * One pairing worker: runs IBE operations for pool.ts off the main event loop.
 * Each worker has its own backend instance and its own caches.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DirgateError } from '../errors.js';
import type { BackendName } from './backend.js';
import { encodeCiphertext, loadIbe } from './ibe.js';
import type { WorkerReply, WorkerTask } from './pool.js';

const { backend } = workerData as { backend: BackendName };
const ibe = loadIbe(backend);
const port = parentPort!;

async function run(task: WorkerTask): Promise<Uint8Array | boolean> {
  const i = await ibe;
  switch (task.op) {
    case 'extract': return i.extract(task.masterSecret, task.identity, task.dst);
    case 'encrypt': return encodeCiphertext(i.encrypt(task.masterPublicKey, task.identity, task.msg, task.dst));
    case 'decrypt': return i.decrypt(task.identityKey, task.ciphertext);
    case 'verify': return i.verifyIdentityKey(task.masterPublicKey, task.identity, task.identityKey, task.dst);
  }
}

port.on('message', (task: WorkerTask) => {
  run(task).then(
    (result) => port.postMessage({ id: task.id, ok: true, result } satisfies WorkerReply),
    (err: unknown) => {
      const error = err instanceof DirgateError
        ? { code: err.code, message: err.message, reason: err.reason }
        : { code: 'ERR_INTERNAL' as const, message: err instanceof Error ? err.message : String(err), reason: 'ibe-worker-failed' };
      port.postMessage({ id: task.id, ok: false, error } satisfies WorkerReply);
    },
  );
});
