/**
 * Loads the configuration once at start-up: read (JSON or YAML), apply the
 * environment overrides, validate against schemas/config.schema.json with every
 * problem reported at once, run the cross-key checks, resolve file paths, then
 * freeze. Nothing falls back silently to a default for an invalid value.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import YAML from 'yaml';
import type { Config } from './types.js';
import { applyEnvOverrides } from './env.js';
import { crossChecks } from './checks.js';
import './registered-checks.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(source: string, problems: string[]) {
    super(`invalid configuration (${source}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository's top folder, from src/config or dist/src/config. */
export const PACKAGE_ROOT = path.resolve(here, here.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');
export const SCHEMA_DIR = path.join(PACKAGE_ROOT, 'schemas');
export const DEMO_CONFIG = path.join(PACKAGE_ROOT, 'fixtures', 'demo', 'config.yaml');

let validator: ReturnType<Ajv['compile']> | undefined;
function compileValidator() {
  if (validator) return validator;
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictTypes: false });
  addFormats(ajv);
  const load = (rel: string) => JSON.parse(readFileSync(path.join(SCHEMA_DIR, rel), 'utf8'));
  const main = load('config.schema.json');
  for (const ref of Object.values(main.properties as Record<string, { $ref?: string }>)) {
    if (ref.$ref) ajv.addSchema(load(ref.$ref));
  }
  validator = ajv.compile(main);
  return validator;
}

/** `/sources/0/bind` -> `sources[0].bind` */
function jsonPointerToKey(pointer: string): string {
  if (!pointer) return '(top level)';
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

export function describeSchemaErrors(errors: ErrorObject[]): string[] {
  const out = new Set<string>();
  for (const e of errors) {
    let key = jsonPointerToKey(e.instancePath);
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      key = key === '(top level)' ? extra : `${key}.${extra}`;
      message = 'is not a known key';
    } else if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      key = key === '(top level)' ? missing : `${key}.${missing}`;
      message = 'is required';
    } else if (e.keyword === 'enum') {
      message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    out.add(`${key}: ${message}`);
  }
  return [...out];
}

const FILE_KEY = /(File|^ldif|^module)$/;
function resolvePaths(node: unknown, base: string): void {
  if (Array.isArray(node)) {
    for (const n of node) resolvePaths(n, base);
  } else if (node && typeof node === 'object') {
    const obj = node as Record<string, unknown>;
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v === 'string' && FILE_KEY.test(k)) obj[k] = path.resolve(base, v);
      else resolvePaths(v, base);
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Folder relative file paths are resolved against (default: the file's folder). */
  baseDir?: string;
  /** Name used in error messages for in-memory configurations. */
  sourceName?: string;
}

/** Validates a raw configuration object (already parsed). The input is not modified. */
export function buildConfig(rawInput: unknown, options: LoadOptions = {}): Readonly<Config> {
  const sourceName = options.sourceName ?? 'configuration';
  const raw = structuredClone(rawInput) as Record<string, unknown>;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(sourceName, ['(top level): must be an object']);
  applyEnvOverrides(raw, options.env ?? process.env);
  const validate = compileValidator();
  if (!validate(raw)) throw new ConfigError(sourceName, describeSchemaErrors(validate.errors ?? []));
  const config = raw as unknown as Config;
  const problems = crossChecks.flatMap((check) => check(config));
  if (problems.length) throw new ConfigError(sourceName, problems);
  resolvePaths(config, options.baseDir ?? process.cwd());
  config.dataDir = path.resolve(config.dataDir);
  return deepFreeze(config);
}

export function parseConfigText(text: string, file: string): unknown {
  try {
    return file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text, { prettyErrors: true });
  } catch (err) {
    throw new ConfigError(file, [`cannot be parsed: ${(err as Error).message.split('\n')[0]}`]);
  }
}

export function loadConfig(file: string = DEMO_CONFIG, options: LoadOptions = {}): Readonly<Config> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    throw new ConfigError(absolute, [`cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  const config = buildConfig(parseConfigText(text, absolute), {
    ...options,
    baseDir: options.baseDir ?? path.dirname(absolute),
    sourceName: absolute,
  }) as Config;
  return config;
}
