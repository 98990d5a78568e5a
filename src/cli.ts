/**
 * The one entry point: `dirgate <command>`. Every command loads and validates
 * the configuration first (exit code 2 on a bad one, every problem listed),
 * then starts its parts and stops them cleanly on SIGINT/SIGTERM.
 */
import { Command, Option } from 'commander';
import { ConfigError, DEMO_CONFIG, loadConfig } from './config/load.js';
import { findDemoSecrets } from './config/demo-secrets.js';
import type { Config } from './config/types.js';
import { createLogger, type Logger } from './log.js';
import { ListenError } from './util/listen.js';
import { runParts, type Part } from './system/run.js';

const EXIT_CONFIG = 2;
const EXIT_START = 1;

function load(file: string | undefined): Config {
  return loadConfig(file ?? process.env.DIRGATE_CONFIG ?? DEMO_CONFIG) as Config;
}

function warnDemoSecrets(config: Config, log: Logger): void {
  for (const w of findDemoSecrets(config)) {
    log.warn(`demo secret in use: ${w.key} still has the published demo value; ${w.howToChange}`, { key: w.key });
  }
}

async function run(parts: Part[], options: { config?: string }): Promise<void> {
  const config = load(options.config);
  const log = createLogger({ level: config.log.level, file: config.log.file, component: parts.length > 1 ? 'dirgate' : parts[0] });
  warnDemoSecrets(config, log);
  const started = Date.now();
  const system = await runParts(config, parts, log);
  const lines = system.endpoints.map((e) => `  ${e.name.padEnd(10)} ${e.url}`).join('\n');
  process.stdout.write(`dirgate ${parts.join(', ')} up in ${Date.now() - started} ms\n${lines}\n`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    await system.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

async function readSecret(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  const secret = text.replace(/\r?\n$/, '');
  if (!secret) throw new Error('expected the secret on standard input');
  return secret;
}

export function buildProgram(): Command {
  const program = new Command('dirgate')
    .description('Virtual-directory mobile gateway: DSMLv2/SPMLv2 behind an identity firewall, with sessions, SSO and IBE-encrypted payloads.')
    .addHelpText('after', `
Quick start (everything on loopback, demo data, demo secrets):
  dirgate start                      # then: curl --cacert .dirgate/tls/firewall.crt https://127.0.0.1:8443/healthz

Configuration: --config FILE (JSON or YAML) or DIRGATE_CONFIG; default fixtures/demo/config.yaml.
Environment overrides: DIRGATE_DATA_DIR, DIRGATE_*_PORT, DIRGATE_HOP_SECRET, DIRGATE_KEYSERVER_KEK,
DIRGATE_OPENTOKEN_PASSWORD, DIRGATE_SOURCE_<NAME>_PASSWORD, DIRGATE_EMBEDDED_ADMIN_PASSWORD (see README).`);
  const configOption = () => new Option('-c, --config <file>', 'configuration file (JSON or YAML)');

  program.command('start').description('run the whole system in one process: embedded directory, key server, gateway, firewall')
    .addOption(configOption()).action((o) => run(['directory', 'keyserver', 'gateway', 'firewall'], o));
  program.command('directory').description('run only the embedded LDAP directory (development and tests)')
    .addOption(configOption()).action((o) => run(['directory'], o));
  program.command('gateway').description('run only the mobile gateway (internal; only the firewall may call it)')
    .addOption(configOption()).action((o) => run(['gateway'], o));
  program.command('firewall').description('run only the identity firewall (the public listener)')
    .addOption(configOption()).action((o) => run(['firewall'], o));
  program.command('keyserver').description('run only the IBE key server (internal)')
    .addOption(configOption()).action((o) => run(['keyserver'], o));
  program.command('check-config').description('validate a configuration file and list every problem')
    .addOption(configOption()).action((o: { config?: string }) => {
      const config = load(o.config);
      for (const w of findDemoSecrets(config)) process.stdout.write(`warning: ${w.key} has the demo value; ${w.howToChange}\n`);
      process.stdout.write('configuration is valid\n');
    });
  // Secrets come on standard input, never on the command line (where `ps` and shell history see them).
  program.command('hash-password').description('read a password on stdin and print its {SSHA512} userPassword value for LDIF files')
    .action(async () => {
      const { hashPassword } = await import('./directory/embedded/passwords.js');
      process.stdout.write(`${hashPassword(await readSecret())}\n`);
    });
  program.command('hash-secret').description('read an application secret on stdin and print its argon2id hash (applications[].secretHash)')
    .action(async () => {
      const argon2 = await import('argon2');
      process.stdout.write(`${await argon2.hash(await readSecret(), { type: argon2.argon2id, memoryCost: 65536, timeCost: 3 })}\n`);
    });
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`dirgate: ${err.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    if (err instanceof ListenError) {
      process.stderr.write(`dirgate: ${err.message}\n`);
      process.exit(EXIT_START);
    }
    process.stderr.write(`dirgate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(EXIT_START);
  }
}

const invokedDirectly = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) void main(process.argv);
