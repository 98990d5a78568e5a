/**
 * The `spml` configuration section as the code sees it (schemas/config/spml.schema.json
 * is the source of truth), the target model the executor works with, and the
 * cross-key checks a JSON Schema cannot express.
 */
import type { Config } from '../config/types.js';
import { registerCrossCheck } from '../config/checks.js';
import { dnEquals, isUnder, parseDn } from '../directory/dn.js';

export type SpmlOperationName =
  | 'add' | 'lookup' | 'modify' | 'delete' | 'search'
  | 'setPassword' | 'expirePassword' | 'resetPassword' | 'validatePassword'
  | 'suspend' | 'resume' | 'active';

export interface SpmlObjectClassConfig {
  name: string;
  description?: string;
  superiors: string[];
  container: boolean;
  attributes: Array<{ name: string; required: boolean }>;
}

export interface SpmlAttributeConfig {
  name: string;
  description?: string;
  multivalued: boolean;
  type: string;
}

export interface SpmlTargetConfig {
  name: string;
  dn: string;
  rdnAttribute: string;
  psoId: { strategy: 'server' | 'client'; attribute: string };
  operations: SpmlOperationName[];
  schema: { objectClasses: SpmlObjectClassConfig[]; attributes: SpmlAttributeConfig[] };
  password: { attribute: string; expire?: { attribute: string; value: string } };
  suspend?: { attribute: string; value: string };
}

export interface SpmlConfig {
  enabled: boolean;
  targets: SpmlTargetConfig[];
  search: { defaultMaxSelect: number; maxSelect: number; maxResults: number; iteratorTtlSeconds: number; maxIterators: number };
  batch: { enabled: boolean; maxRequests: number; parallelism: number };
  async: { enabled: boolean; maxJobs: number; maxRunning: number; resultTtlSeconds: number };
  password: { resetLength: number };
  limits: { maxDepth: number; maxElements: number };
}

/** A target as written in configuration: everything but name, dn, rdnAttribute and the object class names may be left out. */
export interface SpmlTargetInput {
  name: string;
  dn: string;
  rdnAttribute: string;
  psoId?: Partial<SpmlTargetConfig['psoId']>;
  operations?: SpmlOperationName[];
  schema: {
    objectClasses: Array<{ name: string; description?: string; superiors?: string[]; container?: boolean; attributes?: Array<{ name: string; required?: boolean }> }>;
    attributes?: Array<{ name: string; description?: string; multivalued?: boolean; type?: string }>;
  };
  password?: Partial<SpmlTargetConfig['password']>;
  suspend?: SpmlTargetConfig['suspend'];
}

export type SpmlConfigInput = { enabled?: boolean; targets?: SpmlTargetInput[] } & {
  [K in 'search' | 'batch' | 'async' | 'password' | 'limits']?: Partial<SpmlConfig[K]>;
};

/** The same defaults as the JSON Schema, for callers that build a section in code (tests, tools). */
export function spmlConfigWithDefaults(partial: SpmlConfigInput = {}): SpmlConfig {
  return {
    enabled: partial.enabled ?? true,
    targets: (partial.targets ?? []).map((t) => ({
      name: t.name,
      dn: t.dn,
      rdnAttribute: t.rdnAttribute,
      psoId: { strategy: t.psoId?.strategy ?? 'server', attribute: t.psoId?.attribute ?? 'entryUUID' },
      operations: t.operations ?? ['add', 'lookup', 'modify', 'delete', 'search'],
      schema: {
        objectClasses: t.schema.objectClasses.map((oc) => ({
          name: oc.name,
          description: oc.description,
          superiors: oc.superiors ?? [],
          container: oc.container ?? false,
          attributes: (oc.attributes ?? []).map((a) => ({ name: a.name, required: a.required ?? false })),
        })),
        attributes: (t.schema.attributes ?? []).map((a) => ({
          name: a.name, description: a.description, multivalued: a.multivalued ?? true, type: a.type ?? 'xsd:string',
        })),
      },
      password: { attribute: t.password?.attribute ?? 'userPassword', expire: t.password?.expire },
      suspend: t.suspend,
    })),
    search: { defaultMaxSelect: 100, maxSelect: 1000, maxResults: 10000, iteratorTtlSeconds: 300, maxIterators: 1000, ...partial.search },
    batch: { enabled: true, maxRequests: 1000, parallelism: 4, ...partial.batch },
    async: { enabled: true, maxJobs: 1000, maxRunning: 8, resultTtlSeconds: 3600, ...partial.async },
    password: { resetLength: 20, ...partial.password },
    limits: { maxDepth: 64, maxElements: 200000, ...partial.limits },
  };
}

/** Problems in the `spml` section that need other sections (views) or cross-item knowledge. */
export function checkSpmlConfig(config: Config): string[] {
  const spml = config.spml as unknown as SpmlConfig | undefined;
  if (!spml?.targets) return [];
  const problems: string[] = [];
  const names = new Set<string>();
  const suffixes = config.views.map((v) => v.suffix);
  spml.targets.forEach((t, i) => {
    const key = `spml.targets[${i}]`;
    if (names.has(t.name)) problems.push(`${key}.name: target "${t.name}" is defined twice`);
    names.add(t.name);
    try {
      parseDn(t.dn);
    } catch {
      problems.push(`${key}.dn: "${t.dn}" is not a DN`);
      return;
    }
    if (!suffixes.some((s) => isUnder(t.dn, s))) {
      problems.push(`${key}.dn: "${t.dn}" is under no view suffix (${suffixes.join(', ')})`);
    }
    const branch = config.views.flatMap((v) => v.branches).find((b) => dnEquals(b.dn, t.dn));
    if (branch && branch.rdnAttribute.toLowerCase() !== t.rdnAttribute.toLowerCase()) {
      problems.push(`${key}.rdnAttribute: "${t.rdnAttribute}" differs from the view branch's rdnAttribute "${branch.rdnAttribute}"`);
    }
    if (t.psoId?.strategy === 'client' && t.psoId.attribute && t.psoId.attribute.toLowerCase() !== 'dn') {
      problems.push(`${key}.psoId: a client-chosen identifier is a DN; set psoId.attribute to "dn" or use strategy "server"`);
    }
    const ops = new Set(t.operations ?? []);
    if (ops.has('expirePassword') && !t.password?.expire) {
      problems.push(`${key}.operations: expirePassword needs password.expire`);
    }
    if ((ops.has('suspend') || ops.has('resume') || ops.has('active')) && !t.suspend) {
      problems.push(`${key}.operations: suspend, resume and active need the suspend section`);
    }
  });
  spml.targets.forEach((a, i) => {
    spml.targets.forEach((b, j) => {
      if (i < j && (isSafeWithin(a.dn, b.dn) || isSafeWithin(b.dn, a.dn))) {
        problems.push(`spml.targets[${j}].dn: "${b.dn}" overlaps target "${a.name}" ("${a.dn}"); PSOs must belong to one target`);
      }
    });
  });
  return problems;
}

function isSafeWithin(dn: string, base: string): boolean {
  try {
    return isUnder(dn, base);
  } catch {
    return false;
  }
}

registerCrossCheck(checkSpmlConfig);
