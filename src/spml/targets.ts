/**
 * Targets as the executor uses them: which operations each offers, which
 * attributes it exposes (what PSO data may carry in and out), and how it
 * describes itself to listTargetsRequest.
 */
import type { Attribute, Entry } from '../directory/model.js';
import { DirgateError } from '../errors.js';
import type { SpmlConfig, SpmlOperationName, SpmlTargetConfig } from './config.js';
import { isStrictlyUnder, isUnder } from '../directory/dn.js';
import type { TargetDescription } from './model.js';
import { CAPABILITY_URIS } from './namespaces.js';

export interface SpmlTarget {
  readonly name: string;
  readonly dn: string;
  readonly config: SpmlTargetConfig;
  /** Lower-cased attribute name -> the name as configured. */
  readonly exposed: ReadonlyMap<string, string>;
  /** The immutable ID attribute (lower-cased), or undefined when IDs are DNs. */
  readonly idAttribute: string | undefined;
  offers(op: SpmlOperationName): boolean;
}

export function buildTarget(config: SpmlTargetConfig): SpmlTarget {
  const exposed = new Map<string, string>([['objectclass', 'objectClass']]);
  for (const oc of config.schema.objectClasses) for (const a of oc.attributes) exposed.set(a.name.toLowerCase(), a.name);
  for (const a of config.schema.attributes) exposed.set(a.name.toLowerCase(), a.name);
  exposed.set(config.rdnAttribute.toLowerCase(), exposed.get(config.rdnAttribute.toLowerCase()) ?? config.rdnAttribute);
  const idAttr = config.psoId.attribute.toLowerCase();
  const ops = new Set(config.operations);
  return {
    name: config.name,
    dn: config.dn,
    config,
    exposed,
    idAttribute: idAttr === 'dn' ? undefined : idAttr,
    offers: (op) => ops.has(op),
  };
}

export function buildTargets(config: SpmlConfig): SpmlTarget[] {
  return config.targets.map(buildTarget);
}

export function findTarget(targets: readonly SpmlTarget[], name: string): SpmlTarget {
  const t = targets.find((x) => x.name === name);
  if (!t) throw new DirgateError('ERR_NO_SUCH_OBJECT', `no target "${name}"`, { reason: 'spml-unknown-target' });
  return t;
}

/** The target whose branch holds `dn` (strictly below the branch unless `allowRoot`). */
export function targetForDn(targets: readonly SpmlTarget[], dn: string, allowRoot = false): SpmlTarget | undefined {
  const below = allowRoot ? isUnder : isStrictlyUnder;
  return targets.find((t) => below(dn, t.dn));
}

export function isPasswordAttribute(target: SpmlTarget, type: string): boolean {
  const base = type.split(';')[0]!.toLowerCase();
  return base === target.config.password.attribute.toLowerCase() || base === 'userpassword';
}

/** PSO data: only exposed attributes, never a password, names as configured. */
export function exposeEntry(target: SpmlTarget, entry: Entry, only?: readonly string[]): Attribute[] {
  const wanted = only ? new Set(only.map((a) => a.toLowerCase())) : undefined;
  const out: Attribute[] = [];
  for (const a of entry.attributes) {
    const base = a.type.split(';')[0]!.toLowerCase();
    const name = target.exposed.get(base);
    if (!name || isPasswordAttribute(target, a.type)) continue;
    if (wanted && !wanted.has(base)) continue;
    out.push({ type: a.type.includes(';') ? a.type : name, values: a.values });
  }
  return out;
}

/** Refuses attributes the target does not expose (what a requestor may write). */
export function assertWritable(target: SpmlTarget, types: Iterable<string>): void {
  const unknown = [...types].filter((t) => !target.exposed.has(t.split(';')[0]!.toLowerCase()));
  if (unknown.length) {
    throw new DirgateError('ERR_UNDEFINED_ATTRIBUTE_TYPE', `target "${target.name}" does not expose ${unknown.map((u) => `"${u}"`).join(', ')}`, {
      reason: 'spml-attribute-not-exposed',
    });
  }
}

export function capabilitiesOf(target: SpmlTarget, config: SpmlConfig): string[] {
  const caps: string[] = [];
  if (config.async.enabled) caps.push(CAPABILITY_URIS.async);
  if (config.batch.enabled) caps.push(CAPABILITY_URIS.batch);
  if (target.offers('search')) caps.push(CAPABILITY_URIS.search);
  if (['setPassword', 'expirePassword', 'resetPassword', 'validatePassword'].some((o) => target.offers(o as SpmlOperationName))) {
    caps.push(CAPABILITY_URIS.password);
  }
  if (target.config.suspend && ['suspend', 'resume', 'active'].some((o) => target.offers(o as SpmlOperationName))) {
    caps.push(CAPABILITY_URIS.suspend);
  }
  return caps;
}

export function describeTarget(target: SpmlTarget, config: SpmlConfig): TargetDescription {
  const s = target.config.schema;
  const defined = new Map(s.attributes.map((a) => [a.name.toLowerCase(), a]));
  const attributes = [...defined.values()].map((a) => ({ name: a.name, description: a.description, multivalued: a.multivalued, type: a.type }));
  // Every attribute an object class names gets a definition, so references resolve.
  for (const oc of s.objectClasses) {
    for (const a of oc.attributes) {
      if (!defined.has(a.name.toLowerCase())) {
        defined.set(a.name.toLowerCase(), { name: a.name, multivalued: true, type: 'xsd:string' });
        attributes.push({ name: a.name, description: undefined, multivalued: true, type: 'xsd:string' });
      }
    }
  }
  return {
    targetID: target.name,
    objectClasses: s.objectClasses.map((oc) => ({ name: oc.name, description: oc.description, superiors: oc.superiors, attributes: oc.attributes })),
    attributes,
    entities: s.objectClasses.map((oc) => ({ name: oc.name, container: oc.container })),
    capabilities: capabilitiesOf(target, config),
  };
}
