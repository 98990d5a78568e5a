/**
 * The `dsml` configuration section as the DSML front reads it. The schema
 * (schemas/config/dsml.schema.json) holds the defaults; `dsmlConfig()` applies
 * them to a partial section with the same schema, so tests and the route never
 * carry a second copy of the numbers.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { SCHEMA_DIR, ConfigError, describeSchemaErrors } from '../config/load.js';

export interface DsmlLimits {
  bodyBytes: number;
  operationsPerBatch: number;
  filterDepth: number;
  valuesPerAttribute: number;
  elements: number;
}

export interface DsmlSessionConfig {
  enabled: boolean;
  maxSessions: number;
  maxSessionsPerPrincipal: number;
  idleSeconds: number;
  matchClientIp: boolean;
  maxCookiesPerSession: number;
}

export interface DsmlConfig {
  limits: DsmlLimits;
  anyUriSchemes: string[];
  parallelism: number;
  sessions: DsmlSessionConfig;
}

export type DsmlConfigInput = {
  limits?: Partial<DsmlLimits>;
  anyUriSchemes?: string[];
  parallelism?: number;
  sessions?: Partial<DsmlSessionConfig>;
};

let validate: ReturnType<Ajv['compile']> | undefined;

/** The section with every default applied; throws ConfigError when a value is invalid. */
export function dsmlConfig(section: DsmlConfigInput | Record<string, unknown> = {}): DsmlConfig {
  if (!validate) {
    const schema = JSON.parse(readFileSync(path.join(SCHEMA_DIR, 'config', 'dsml.schema.json'), 'utf8'));
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });
    ajv.addSchema(schema);
    // The section's own root default only applies under a parent, as in the full configuration.
    validate = ajv.compile({ type: 'object', properties: { dsml: { $ref: schema.$id } } });
  }
  const holder = { dsml: structuredClone(section) as Record<string, unknown> };
  if (!validate(holder)) throw new ConfigError('dsml', describeSchemaErrors(validate.errors ?? []));
  return holder.dsml as unknown as DsmlConfig;
}

/** Deepest XML nesting a request may have: the filter's own depth plus the fixed structure around it. */
export function xmlDepthFor(limits: DsmlLimits): number {
  // Envelope > Body > batchRequest > searchRequest > filter > ...filter... > value (+ slack for headers).
  return limits.filterDepth + 12;
}
