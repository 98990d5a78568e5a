/**
 * The demo's published secrets. Any of them left in place makes start-up print a
 * warning that names it and says how to change it: the demo must never pass
 * silently for a deployment.
 */
import type { Config } from './types.js';

export const DEMO_SECRET_VALUES = new Set([
  'directory-admin-pass',
  'demo-opentoken-password',
  'demo-hop-secret-change-me-0000000000',
  '00000000000000000000000000000000000000000000000000000000000000aa',
]);

export interface DemoSecretWarning { key: string; howToChange: string }

export function findDemoSecrets(config: Config): DemoSecretWarning[] {
  const found: DemoSecretWarning[] = [];
  const check = (key: string, value: unknown, howToChange: string) => {
    if (typeof value === 'string' && DEMO_SECRET_VALUES.has(value)) found.push({ key, howToChange });
  };
  config.embedded?.suffixes.forEach((s, i) =>
    check(`embedded.suffixes[${i}].admin.password`, s.admin.password, 'set DIRGATE_EMBEDDED_ADMIN_PASSWORD or change it in the configuration'));
  config.sources.forEach((s, i) =>
    check(`sources[${i}].bind.password`, s.bind?.password, `set DIRGATE_SOURCE_${s.name.toUpperCase().replace(/-/g, '_')}_PASSWORD or change it in the configuration`));
  check('gateway.hopSecret', config.gateway.hopSecret, 'set DIRGATE_HOP_SECRET (the same value for firewall and gateway)');
  check('keyserver.kek', config.keyserver.kek, 'set DIRGATE_KEYSERVER_KEK to 64 random hex digits (openssl rand -hex 32)');
  check('opentoken.password', config.opentoken.password, 'set DIRGATE_OPENTOKEN_PASSWORD to the password your PingFederate OpenToken adapter uses');
  return found;
}
