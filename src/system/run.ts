/**
 * Starts the named parts of dirgate in dependency order (directory, key server,
 * gateway, firewall) and stops them in reverse. `dirgate start` runs all four in
 * one process; each `dirgate <part>` runs one, for a real deployment.
 */
import type { Config } from '../config/types.js';
import { startEmbeddedDirectory } from '../directory/embedded/index.js';
import { createLdapSource } from '../directory/sources/index.js';
import { startFirewall } from '../firewall/index.js';
import { startGateway } from '../gateway/index.js';
import { startKeyServer } from '../keyserver/server.js';
import { keyServerRevocations, keyServerTls } from '../keyserver/wiring.js';
import type { Logger } from '../log.js';

export type Part = 'directory' | 'keyserver' | 'gateway' | 'firewall';

export interface RunningSystem {
  endpoints: Array<{ name: string; url: string }>;
  close(): Promise<void>;
}

interface Running { close(): Promise<void> }

export async function runParts(config: Config, parts: Part[], log: Logger): Promise<RunningSystem> {
  const running: Running[] = [];
  const endpoints: RunningSystem['endpoints'] = [];
  const closeAll = async () => {
    for (const r of running.reverse()) {
      try {
        await r.close();
      } catch (err) {
        log.warn('error while stopping', { error: (err as Error).message });
      }
    }
  };
  try {
    let embeddedUrl: string | undefined;
    if (parts.includes('directory') && config.embedded && config.embedded.enabled !== false) {
      const dir = await startEmbeddedDirectory(config.embedded, { dataDir: config.dataDir, log: log.child({ component: 'directory' }) });
      running.push(dir);
      embeddedUrl = dir.url;
      endpoints.push({ name: 'directory', url: dir.url });
    } else if (config.embedded && config.embedded.enabled !== false) {
      // Another process runs the embedded directory: it listens where the configuration says.
      embeddedUrl = `ldap://${config.embedded.host}:${config.embedded.port}`;
    }

    if (parts.includes('keyserver')) {
      const ksLog = log.child({ component: 'keyserver' });
      const profileSource = config.profile ? config.sources.find((s) => s.name === config.profile!.source) : undefined;
      const source = profileSource ? createLdapSource(profileSource, { log: ksLog, embeddedUrl }) : undefined;
      if (!source) ksLog.warn('no extended profile configured: revocations are kept in this process only and are not shared');
      const ks = await startKeyServer(config, {
        dataDir: config.dataDir,
        log: ksLog,
        tls: await keyServerTls(config),
        revocations: keyServerRevocations(config, source),
      });
      running.push({ close: async () => { await ks.close(); await source?.close(); } });
      endpoints.push({ name: 'keyserver', url: ks.url });
    }

    let gatewayUrl: string | undefined;
    if (parts.includes('gateway')) {
      const gw = await startGateway(config, { log: log.child({ component: 'gateway' }), embeddedUrl });
      running.push(gw);
      gatewayUrl = gw.url;
      endpoints.push({ name: 'gateway', url: gw.url });
    }

    if (parts.includes('firewall')) {
      const fw = await startFirewall(config, { log: log.child({ component: 'firewall' }), dataDir: config.dataDir, gatewayUrl });
      running.push(fw);
      endpoints.push({ name: 'firewall', url: fw.url });
      log.info('firewall certificate', { sha256: fw.fingerprint });
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  return { endpoints, close: closeAll };
}
