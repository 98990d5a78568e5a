/**
 * The embedded LDAP directory: an in-process ldapjs server holding every
 * configured suffix in memory, seeded once from LDIF and journaled to the data
 * directory so that every answered write survives a restart or a crash. For
 * development, demos and tests; production points dirgate at real directories.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Socket } from 'node:net';
import { DirgateError } from '../../errors.js';
import type { EmbeddedConfig } from '../../config/types.js';
import type { Logger } from '../../log.js';
import { closeServer, listen } from '../../util/listen.js';
import type { Entry } from '../model.js';
import { type EmbeddedSuffixSettings, checkEmbeddedConfig } from './config-checks.js';
import { Dit } from './dit.js';
import { formatDn, keyOf, parseDn } from './dn.js';
import { SuffixStore } from './journal.js';
import { parseLdif } from './ldif.js';
import { EmbeddedLdapServer, type SuffixRuntime } from './server.js';

export interface EmbeddedDirectory {
  /** `ldap://host:port` as listening (the real port when 0 was configured). */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  /** dirgate's data directory; the directory's files go to `<dataDir>/embedded/`. */
  dataDir: string;
  log: Logger;
}

function readSeed(file: string | undefined, suffix: string): () => Entry[] {
  return () => {
    if (!file) return [];
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new DirgateError('ERR_CONFIG_INVALID', `seed LDIF for ${suffix} cannot be read: ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err, reason: 'ldif-unreadable' });
    }
    return parseLdif(text, path.basename(file));
  };
}

function openSuffix(s: EmbeddedConfig['suffixes'][number], options: EmbeddedOptions): SuffixRuntime {
  const dit = new Dit(s.suffix);
  const adminDn = formatDn(parseDn(s.admin.dn));
  let store: SuffixStore;
  try {
    store = SuffixStore.open({ dataDir: options.dataDir, dit, seed: readSeed(s.ldif, s.suffix), seedActor: adminDn, log: options.log });
  } catch (err) {
    if (err instanceof DirgateError && err.code !== 'ERR_CONFIG_INVALID' && err.code !== 'ERR_INTERNAL' && s.ldif) {
      throw new DirgateError('ERR_CONFIG_INVALID', `seed LDIF ${path.basename(s.ldif)} for ${s.suffix}: ${err.message}`, { cause: err, reason: 'ldif-invalid' });
    }
    throw err;
  }
  return {
    dit,
    store,
    adminDn,
    adminKey: keyOf(s.admin.dn),
    adminPassword: s.admin.password,
    adminOnly: ((s as EmbeddedSuffixSettings).adminOnlySubtrees ?? []).map(keyOf),
  };
}

/** Starts the directory; rejects (naming the port) when it cannot listen. */
export async function startEmbeddedDirectory(config: EmbeddedConfig, options: EmbeddedOptions): Promise<EmbeddedDirectory> {
  const problems = checkEmbeddedConfig(config);
  if (problems.length) throw new DirgateError('ERR_CONFIG_INVALID', `invalid embedded directory configuration:\n  - ${problems.join('\n  - ')}`, { reason: 'embedded-config' });
  const suffixes: SuffixRuntime[] = [];
  const closeStores = () => { for (const s of suffixes) s.store.close(); };
  try {
    for (const s of config.suffixes) suffixes.push(openSuffix(s, options));
  } catch (err) {
    closeStores();
    throw err;
  }
  const ldap = new EmbeddedLdapServer(suffixes, options.log);
  const net = ldap.server.server;
  const sockets = new Set<Socket>();
  net.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  let port: number;
  try {
    port = await listen(net, config.port, config.host, 'embedded LDAP directory');
  } catch (err) {
    closeStores();
    throw err;
  }
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `ldap://${host}:${port}`;
  options.log.info('embedded directory listening', { url, suffixes: suffixes.map((s) => s.dit.suffixDn) });
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closing ??= (async () => {
        const closed = closeServer(net);
        for (const socket of sockets) socket.destroy();
        await closed;
        closeStores();
      })();
      return closing;
    },
  };
}
