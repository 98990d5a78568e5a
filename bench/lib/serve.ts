/**
 * A child process of the benchmark, one server each, so that each one's CPU
 * time can be read on its own. Tells the parent over IPC when it listens
 * (`{ ready: endpoints }`), answers `memory` with process.memoryUsage() after
 * a full collection when it can, and exits on `stop`.
 *
 *   serve.js hello                                 node:http answering "hello"
 *   serve.js parts <config.json> <part,part,...>   runParts (src/system/run.ts)
 *   serve.js gateway-alone <config.json>           the gateway without hop verification (nothing in front of it)
 */
import 'reflect-metadata';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ChildMessage =
  | { ready: Array<{ name: string; url: string }> }
  | { failed: string }
  | { memory: NodeJS.MemoryUsage };

interface Closable { close(): Promise<void> }

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function startHello(): Promise<{ running: Closable; endpoints: Array<{ name: string; url: string }> }> {
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

async function startParts(configFile: string, parts: string[]) {
  const { loadConfig } = await import('../../src/config/load.js');
  const { runParts } = await import('../../src/system/run.js');
  const config = loadConfig(configFile);
  const system = await runParts(config as never, parts as never, await loggerFor(config));
  return { running: system, endpoints: system.endpoints };
}

async function startGatewayAlone(configFile: string) {
  const { loadConfig } = await import('../../src/config/load.js');
  const { startGateway } = await import('../../src/gateway/index.js');
  const config = loadConfig(configFile);
  const gateway = await startGateway(config as never, { log: await loggerFor(config), requireHop: false });
  return { running: gateway, endpoints: [{ name: 'gateway', url: gateway.url }] };
}

async function main(): Promise<void> {
  const [role, ...args] = process.argv.slice(2);
  let started: { running: Closable; endpoints: Array<{ name: string; url: string }> };
  try {
    switch (role) {
      case 'hello': started = await startHello(); break;
      case 'parts': started = await startParts(args[0]!, args[1]!.split(',')); break;
      case 'gateway-alone': started = await startGatewayAlone(args[0]!); break;
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
  });
  // The parent went away (crashed or killed): do not outlive it.
  process.on('disconnect', () => void stop());
  send({ ready: started.endpoints });
}

await main();
