/**
 * One key server as its own process, for the tests of several key servers
 * sharing one revocation store: configuration from DIRGATE_TEST_KEYSERVER
 * (JSON), the URL printed on stdout once listening, stopped by SIGTERM.
 */
import { silentLogger } from '../../../src/log.js';
import {
  cachedRevocationStore, keyServerPkiFiles, ldapRevocationStore, readTlsPem, startKeyServer, type KeyServerSettings,
} from '../../../src/keyserver/index.js';
import { openTestSource } from '../../helpers/ldap-source.js';

interface ProcessConfig {
  dataDir: string;
  kek: string;
  cacheMs: number;
  ldap: { url: string; bindDn: string; password: string; baseDn: string };
  container: string;
}

const config = JSON.parse(process.env.DIRGATE_TEST_KEYSERVER ?? '{}') as ProcessConfig;
const pki = keyServerPkiFiles(config.dataDir);
const tls = await readTlsPem({}, { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile, caFile: pki.caFile });
const source = openTestSource(config.ldap);
const settings: KeyServerSettings = {
  host: '127.0.0.1', port: 0, kek: config.kek, ibe: { backend: 'mcl', workers: 1 }, tls: {}, clients: ['dirgate-gateway'],
  clientTls: {}, maxIdentityLifetimeSeconds: 86_400, revocations: { cacheMs: config.cacheMs, purgeIntervalSeconds: 3600 },
};
const server = await startKeyServer(settings, {
  dataDir: config.dataDir,
  log: silentLogger(),
  tls,
  revocations: cachedRevocationStore(ldapRevocationStore(source, { baseDn: config.container }), { cacheMs: config.cacheMs }),
});
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
process.once('SIGTERM', () => {
  void server.close().then(() => source.close()).finally(() => process.exit(0));
});
