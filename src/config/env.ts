/**
 * Environment overrides: ports, the data directory and secrets. One table, so
 * the README can list them and nothing else reads process.env for configuration.
 */
type Raw = Record<string, any>;

export interface EnvOverride {
  variable: string;
  /** Dotted path in the configuration; for per-source and per-suffix secrets see `apply`. */
  path: string;
  kind: 'string' | 'port';
}

export const ENV_OVERRIDES: EnvOverride[] = [
  { variable: 'DIRGATE_DATA_DIR', path: 'dataDir', kind: 'string' },
  { variable: 'DIRGATE_LOG_LEVEL', path: 'log.level', kind: 'string' },
  { variable: 'DIRGATE_DIRECTORY_PORT', path: 'embedded.port', kind: 'port' },
  { variable: 'DIRGATE_GATEWAY_PORT', path: 'gateway.port', kind: 'port' },
  { variable: 'DIRGATE_FIREWALL_PORT', path: 'firewall.port', kind: 'port' },
  { variable: 'DIRGATE_KEYSERVER_PORT', path: 'keyserver.port', kind: 'port' },
  { variable: 'DIRGATE_HOP_SECRET', path: 'gateway.hopSecret', kind: 'string' },
  { variable: 'DIRGATE_PAGING_SECRET', path: 'gateway.pagingSecret', kind: 'string' },
  { variable: 'DIRGATE_KEYSERVER_KEK', path: 'keyserver.kek', kind: 'string' },
  { variable: 'DIRGATE_OPENTOKEN_PASSWORD', path: 'opentoken.password', kind: 'string' },
];

function setPath(target: Raw, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (node[key] === undefined || node[key] === null || typeof node[key] !== 'object') node[key] = {};
    node = node[key];
  }
  node[keys[keys.length - 1]!] = value;
}

/** Name of the variable that carries a source's bind password. */
export function sourcePasswordVariable(sourceName: string): string {
  return `DIRGATE_SOURCE_${sourceName.toUpperCase().replace(/-/g, '_')}_PASSWORD`;
}

/**
 * Applies the overrides to the raw (unvalidated) configuration. A port that is
 * not a number is left as the string, so validation names the bad variable's key.
 */
export function applyEnvOverrides(raw: Raw, env: NodeJS.ProcessEnv): string[] {
  const applied: string[] = [];
  for (const o of ENV_OVERRIDES) {
    const value = env[o.variable];
    if (value === undefined || value === '') continue;
    setPath(raw, o.path, o.kind === 'port' && /^\d+$/.test(value) ? Number(value) : value);
    applied.push(o.variable);
  }
  for (const source of Array.isArray(raw.sources) ? raw.sources : []) {
    const variable = typeof source?.name === 'string' ? sourcePasswordVariable(source.name) : undefined;
    if (variable && env[variable] && source.bind && typeof source.bind === 'object') {
      source.bind.password = env[variable];
      applied.push(variable);
    }
  }
  const adminPassword = env.DIRGATE_EMBEDDED_ADMIN_PASSWORD;
  if (adminPassword && Array.isArray(raw.embedded?.suffixes)) {
    for (const s of raw.embedded.suffixes) if (s?.admin && typeof s.admin === 'object') s.admin.password = adminPassword;
    applied.push('DIRGATE_EMBEDDED_ADMIN_PASSWORD');
  }
  return applied;
}
