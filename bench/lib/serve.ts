/**
 * A child process of the benchmark, one server each, so that each one's CPU
 * time can be read on its own. Tells the parent over IPC when it listens
 * (`{ ready: endpoints }`), answers `memory` with process.memoryUsage() after
 * a full collection when it can, `stats` with what the server counts (the
 * gateway: its cache and reconciliations), and exits on `stop`.
 *
 *   serve.js hello                                 node:http answering "hello"
 *   serve.js parts <config.json> <part,part,...>   runParts (src/system/run.ts)
 *   serve.js gateway <config.json> hop|no-hop       the gateway (startGateway), verifying the firewall's signed
 *                                                  hop or not (nothing in front of it)
 */
import 'reflect-metadata';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ChildMessage =
  | { ready: Array<{ name: string; url: string }> }
  | { failed: string }
  | { memory: NodeJS.MemoryUsage }
  | { stats: unknown };

interface Closable { close(): Promise<void> }

interface Started {
  running: Closable;
  endpoints: Array<{ name: string; url: string }>;
  /** What `stats` answers (the gateway: its view's cache counters and reconciliation times). */
  stats?: () => unknown;
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function startHello(): Promise<Started> {
  const server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end('hello');
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    running: { close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) },
    endpoints: [{ name: 'hello', url: `http://127.0.0.1:${port}` }],
  };
}

async function loggerFor(config: { log: { level: string; file?: string } }) {
  const { createLogger } = await import('../../src/log.js');
  return createLogger({ level: config.log.level, ...(config.log.file ? { file: config.log.file } : {}) });
}

async function startParts(configFile: string, parts: string[]): Promise<Started> {
  const { loadConfig } = await import('../../src/config/load.js');
  const { runParts } = await import('../../src/system/run.js');
  const config = loadConfig(configFile);
  const system = await runParts(config as never, parts as never, await loggerFor(config));
  return { running: system, endpoints: system.endpoints };
}

async function startGatewayPart(configFile: string, hop: boolean): Promise<Started> {
  const { loadConfig } = await import('../../src/config/load.js');
  const { startGateway } = await import('../../src/gateway/index.js');
  const config = loadConfig(configFile);
  const log = (await loggerFor(config)).child({ component: 'gateway' });
  const gateway = await startGateway(config as never, { log, requireHop: hop });
  return {
    running: gateway,
    endpoints: [{ name: 'gateway', url: gateway.url }],
    stats: () => ({ cache: gateway.view.cacheStats(), reconciled: gateway.view.health().reconciled }),
  };
}

async function main(): Promise<void> {
  const [role, ...args] = process.argv.slice(2);
  let started: Started;
  try {
    switch (role) {
      case 'hello': started = await startHello(); break;
      case 'parts': started = await startParts(args[0]!, args[1]!.split(',')); break;
      case 'gateway': started = await startGatewayPart(args[0]!, args[1] === 'hop'); break;
      default: throw new Error(`unknown role ${role}`);
    }
  } catch (err) {
    send({ failed: (err as Error).stack ?? String(err) });
    process.exit(1);
  }
  const stop = async () => {
    try {
      await started.running.close();
    } finally {
      // process.exit runs the exit hooks, so a --cpu-prof profile is written.
      process.exit(0);
    }
  };
  process.on('message', (m: unknown) => {
    if (m === 'stop') void stop();
    if (m === 'memory') {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      send({ memory: process.memoryUsage() });
    }
    if (m === 'stats') send({ stats: started.stats?.() ?? null });
  });
  // The parent went away (crashed or killed): do not outlive it.
  process.on('disconnect', () => void stop());
  send({ ready: started.endpoints });
}

await main();
