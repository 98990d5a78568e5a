/**
 * PSO identifiers <-> virtual DNs.
 *
 * A target's PSO ID is the value of an immutable attribute (entryUUID by
 * default) so that it survives renames; an entry without that attribute, or a
 * target configured with `psoId.attribute: dn`, is identified by its DN.
 * Requests may name a PSO either way: an ID that parses as a DN inside a
 * target's branch is taken as a DN, anything else is looked up by the ID
 * attribute under the target's branch.
 */
import type { Directory, Entry, OperationContext, SearchEvent } from '../directory/model.js';
import { DirgateError } from '../errors.js';
import { isStrictlyUnder, isUnder, parseDn } from '../directory/dn.js';
import type { PsoRef } from './model.js';
import { findTarget, type SpmlTarget } from './targets.js';

export interface ResolvedPso {
  target: SpmlTarget;
  dn: string;
}

function noSuch(id: string): DirgateError {
  return new DirgateError('ERR_NO_SUCH_OBJECT', `no PSO with ID "${id}"`, { reason: 'spml-unknown-pso' });
}

function looksLikeDn(id: string): boolean {
  if (!id.includes('=')) return false;
  try {
    return parseDn(id).length > 0;
  } catch {
    return false;
  }
}

/** Collects a search's entries; errors are thrown by the directory as DirgateErrors. */
export async function collect(events: AsyncIterable<SearchEvent>, limit = Infinity): Promise<Entry[]> {
  const out: Entry[] = [];
  for await (const ev of events) {
    if (ev.kind === 'entry') {
      out.push(ev.entry);
      if (out.length > limit) break;
    }
  }
  return out;
}

/** Reads one entry by DN with the given attributes; undefined when it does not exist. */
export async function readEntry(directory: Directory, ctx: OperationContext, dn: string, attributes: string[]): Promise<Entry | undefined> {
  try {
    const found = await collect(directory.search({
      baseDN: dn, scope: 'base', derefAliases: 'never', sizeLimit: 1, timeLimit: 0, typesOnly: false,
      filter: { type: 'present', attribute: 'objectClass' }, attributes, controls: [],
    }, ctx));
    return found[0];
  } catch (err) {
    if (err instanceof DirgateError && err.code === 'ERR_NO_SUCH_OBJECT') return undefined;
    throw err;
  }
}

async function findById(directory: Directory, ctx: OperationContext, target: SpmlTarget, id: string): Promise<string | undefined> {
  if (!target.idAttribute) return undefined;
  const found = await collect(directory.search({
    baseDN: target.dn, scope: 'sub', derefAliases: 'never', sizeLimit: 2, timeLimit: 0, typesOnly: false,
    filter: { type: 'equality', attribute: target.config.psoId.attribute, value: id }, attributes: ['1.1'], controls: [],
  }, ctx), 1);
  if (found.length > 1) {
    throw new DirgateError('ERR_CONSTRAINT_VIOLATION', `PSO ID "${id}" names more than one entry in target "${target.name}"`, { reason: 'spml-ambiguous-pso' });
  }
  return found[0]?.dn;
}

export interface ResolveOptions {
  /** Accept the target's branch itself (a container for add and search). */
  allowRoot?: boolean;
  /** A target the PSO must belong to when the reference names none. */
  target?: SpmlTarget;
}

/** Maps a psoID (or containerID/basePsoID) to its target and virtual DN. */
export async function resolvePso(
  ref: PsoRef, targets: readonly SpmlTarget[], directory: Directory, ctx: OperationContext, options: ResolveOptions = {},
): Promise<ResolvedPso> {
  const named = ref.targetID !== undefined ? findTarget(targets, ref.targetID) : options.target;
  if (named && options.target && named !== options.target) {
    throw new DirgateError('ERR_NO_SUCH_OBJECT', `PSO "${ref.id}" is named in target "${named.name}", not "${options.target.name}"`, { reason: 'spml-target-mismatch' });
  }
  const candidates = named ? [named] : targets;
  const id = ref.id.trim();
  if (looksLikeDn(id)) {
    const below = options.allowRoot ? isUnder : isStrictlyUnder;
    const target = candidates.find((t) => below(id, t.dn));
    if (target) return { target, dn: id };
  }
  for (const target of candidates) {
    const dn = await findById(directory, ctx, target, id);
    if (dn) return { target, dn };
  }
  throw noSuch(ref.id);
}

/** The attributes to ask for so that psoIdOf can answer. */
export function idAttributes(target: SpmlTarget): string[] {
  return target.idAttribute ? [target.config.psoId.attribute] : [];
}

/** The PSO ID of an entry read with idAttributes(target). */
export function psoIdOf(target: SpmlTarget, entry: Entry): string {
  if (target.idAttribute) {
    const a = entry.attributes.find((x) => x.type.toLowerCase() === target.idAttribute);
    const v = a?.values[0];
    if (v !== undefined) return typeof v === 'string' ? v : v.toString('utf8');
  }
  return entry.dn;
}
