/**
 * Writes through the view. Each attribute goes to the part that owns it, in a
 * fixed order: the primary first, then contributors in configuration order,
 * then the profile (reversed for delete, so the identity's existence goes
 * last). Everything that can be refused is refused before the first write
 * (read-only owners, ambiguous partners, missing naming values). A failure
 * part-way undoes the steps already done, newest first, and throws
 * ERR_WRITE_INCOMPLETE saying what was written, what was undone, and what
 * could not be undone. Messages name sources and attributes, never hosts.
 */
import { DirgateError, toDirgateError } from '../../errors.js';
import type { AddRequest, Attribute, DeleteRequest, Entry, Modification, ModifyDNRequest, ModifyRequest, Value } from '../model.js';
import type { ProfileStore } from '../profile/store.js';
import { defaultObjectClasses } from '../profile/store.js';
import { type CompiledBranch, type SourcePart, ownerOf, primaryViewAttributes, sourceRdnAttribute } from './branch.js';
import { keyOfTuple, rawTuples } from './correlation.js';
import { type Dn, formatDn, normalizeDn, parseDn, relativeRdns } from '../dn.js';
import { linkFor } from './join.js';
import { syntaxOf, valuesEqual } from './matching.js';
import { partnerDnFor } from './dn-resolve.js';
import { collectEntries, isUnavailable } from './source-io.js';
import { type ViewEngine, locateBase } from './search.js';

export interface WriteDeps {
  engine: ViewEngine;
  profile?: ProfileStore;
  /** Called after every write attempt (also failed ones) with what may have changed. */
  changed: (c: { branch: CompiledBranch; virtualDns: string[]; sourceKeys: Array<[string, string]>; keys: string[] }) => void;
}

interface Step {
  /** `corp: add` / `hr: modify title, departmentNumber` */
  what: string;
  run: () => Promise<void>;
  undo?: () => Promise<void>;
}

/** An identity as the sources hold it now (read fresh, never from the cache). */
interface Identity {
  branch: CompiledBranch;
  dn: string;
  primary: Entry;
  /** Partner entries per part id (zero, one or several). */
  partners: Map<string, Entry[]>;
}

function unwilling(message: string, reason: string): DirgateError {
  return new DirgateError('ERR_UNWILLING_TO_PERFORM', message, { reason });
}

function refuseReadOnly(part: SourcePart, attrs: string[]): void {
  if (part.source.readOnly) {
    throw unwilling(`${attrs.length ? attrs.join(', ') : 'the entry'} belongs to source ${part.sourceName}, which is read-only`, 'source-read-only');
  }
}

function names(attrs: Array<{ type: string }>): string {
  return [...new Set(attrs.map((a) => a.type))].join(', ');
}

async function runSteps(operation: string, dn: string, steps: Step[]): Promise<void> {
  const done: Step[] = [];
  for (const step of steps) {
    try {
      await step.run();
      done.push(step);
    } catch (err) {
      if (done.length === 0) throw err;
      const failure = toDirgateError(err);
      const undone: string[] = [];
      const stuck: string[] = [];
      for (const d of [...done].reverse()) {
        if (!d.undo) { stuck.push(d.what); continue; }
        try { await d.undo(); undone.push(d.what); } catch { stuck.push(d.what); }
      }
      const notRun = steps.slice(steps.indexOf(step) + 1).map((s) => s.what);
      const message = [
        `${operation} of ${dn} did not complete: ${step.what} failed (${failure.publicMessage})`,
        undone.length ? `written then undone: ${undone.join('; ')}` : '',
        stuck.length ? `written and NOT undone: ${stuck.join('; ')}` : 'nothing remains written',
        notRun.length ? `not attempted: ${notRun.join('; ')}` : '',
      ].filter(Boolean).join('. ');
      throw new DirgateError('ERR_WRITE_INCOMPLETE', message, { cause: err, reason: stuck.length ? 'write-partial' : 'write-rolled-back' });
    }
  }
}

function attrValues(entry: Entry, type: string): Value[] {
  const lower = type.toLowerCase();
  return entry.attributes.filter((a) => a.type.toLowerCase() === lower).flatMap((a) => a.values);
}

/** Applies modifications to a copy of an entry (source terms), as the server would. */
function applyChanges(entry: Entry, changes: Modification[]): Entry {
  const attrs = new Map<string, Attribute>();
  for (const a of entry.attributes) attrs.set(a.type.toLowerCase(), { type: a.type, values: [...a.values] });
  for (const c of changes) {
    const k = c.attribute.type.toLowerCase();
    const cur = attrs.get(k) ?? { type: c.attribute.type, values: [] };
    if (c.operation === 'replace') cur.values = [...c.attribute.values];
    else if (c.operation === 'add') cur.values.push(...c.attribute.values);
    else cur.values = c.attribute.values.length === 0 ? [] : cur.values.filter((v) => !c.attribute.values.some((d) => valuesEqual(c.attribute.type, v, d)));
    attrs.set(k, cur);
  }
  return { dn: entry.dn, attributes: [...attrs.values()].filter((a) => a.values.length > 0) };
}

/** Undo for a modify: put back the touched attributes' previous values. */
function restoreChanges(before: Entry, changes: Modification[]): Modification[] {
  const touched = [...new Set(changes.map((c) => c.attribute.type.toLowerCase()))];
  return touched.map((t) => {
    const type = changes.find((c) => c.attribute.type.toLowerCase() === t)!.attribute.type;
    return { operation: 'replace', attribute: { type, values: attrValues(before, type) } };
  });
}

export class WriteRouter {
  constructor(private readonly deps: WriteDeps) {}

  private get engine(): ViewEngine {
    return this.deps.engine;
  }

  /** The branch and naming value of a virtual entry DN; synthetic entries are not writable. */
  private target(dnText: string, operation: string): { branch: CompiledBranch; value: string; dn: Dn } {
    const dn = parseDn(dnText);
    const t = locateBase(this.engine, dn);
    if (t.kind === 'synthetic') {
      if (operation === 'add') throw new DirgateError('ERR_ALREADY_EXISTS', `${formatDn(dn)} already exists`);
      throw unwilling(`${formatDn(dn)} is part of the view's structure and cannot be changed`, 'view-structure');
    }
    return t;
  }

  private async readPrimary(branch: CompiledBranch, value: string): Promise<Entry | undefined> {
    const eq = { type: 'equality' as const, attribute: sourceRdnAttribute(branch), value };
    const found = await collectEntries(branch.primary.source, {
      baseDN: branch.primary.baseDn, scope: 'sub', filter: branch.primary.filter ? { type: 'and', filters: [branch.primary.filter, eq] } : eq,
      attributes: ['*'], sizeLimit: 2,
    });
    if (found.length > 1) throw unwilling(`several source entries carry the name ${value}; see the unresolved list`, 'rdn-duplicate');
    return found[0];
  }

  private async readPartners(branch: CompiledBranch, part: SourcePart, primary: Entry, primaryView: Attribute[]): Promise<Entry[]> {
    const link = linkFor(branch, part);
    if (!link) return [];
    const tuples = link.primaryTuples(primary, primaryView);
    if (tuples.length === 0) return [];
    const keys = new Set(tuples.map((t) => link.keyOf(t)));
    const found = link.pushable
      ? await collectEntries(part.source, { baseDN: part.baseDn, scope: link.scope, filter: link.lookup(tuples), attributes: ['*'] })
      : await collectEntries(part.source, { baseDN: part.baseDn, scope: link.scope, filter: part.filter, attributes: ['*'] });
    return found.filter((e) => link.partKeys(e).some((k) => keys.has(k)));
  }

  /** Reads the identity; partners only from the parts `wanted` says the write needs (a down source elsewhere does not block it). */
  private async readIdentity(dnText: string, operation: string, wanted: (branch: CompiledBranch, part: SourcePart) => boolean): Promise<Identity> {
    const { branch, value, dn } = this.target(dnText, operation);
    const primary = await this.readPrimary(branch, value);
    if (!primary) throw new DirgateError('ERR_NO_SUCH_OBJECT', `no such object: ${formatDn(dn)}`, { matchedDN: branch.dn });
    const view = [{ type: branch.rdnAttribute, values: [value] }];
    const partners = new Map<string, Entry[]>();
    await Promise.all(branch.contributors.filter((p) => wanted(branch, p)).map(async (p) => {
      partners.set(p.id, await this.readPartners(branch, p, primary, view));
    }));
    return { branch, dn: formatDn(dn), primary, partners };
  }

  /** View attributes in a part's terms: names, objectClass values, and DN values rewritten into its namespace. */
  private async toSourceAttributes(branch: CompiledBranch, part: SourcePart, attrs: Attribute[]): Promise<Attribute[]> {
    const mapped = this.engine.rewriter.attributesToSource(part.sourceName, part.mapping.attributesToSource(attrs));
    if (part.role !== 'contributor') return mapped;
    return Promise.all(mapped.map(async (a) => {
      if (syntaxOf(a.type.split(';')[0]!) !== 'dn') return a;
      const values = await Promise.all(a.values.map(async (v) => (typeof v === 'string' ? (await partnerDnFor(branch, part, v)) ?? v : v)));
      return { type: a.type, values };
    }));
  }

  private async toSourceChanges(branch: CompiledBranch, part: SourcePart, changes: Modification[]): Promise<Modification[]> {
    return Promise.all(changes.map(async (c) => ({ operation: c.operation, attribute: (await this.toSourceAttributes(branch, part, [c.attribute]))[0]! })));
  }

  private profileDn(branch: CompiledBranch, part: SourcePart, value: string): Dn {
    return [[{ type: part.mapping.toSource(branch.rdnAttribute), value }], ...part.base];
  }

  /** A step that creates a part's entry (provisioned contributor or profile) for an identity. */
  private createStep(
    branch: CompiledBranch, part: SourcePart, attrs: Attribute[], identityValue: string, correlation: Attribute[], identityView: Attribute[],
  ): Step {
    let dn: Dn;
    let objectClasses: string[];
    const all = [...correlation.filter((c) => !attrs.some((a) => a.type.toLowerCase() === c.type.toLowerCase())), ...attrs];
    for (const name of part.provision?.copy ?? []) {
      const v = identityView.find((a) => a.type.toLowerCase() === name.toLowerCase());
      const type = part.mapping.toSource(name);
      if (v && v.values.length && !all.some((a) => a.type.toLowerCase() === type.toLowerCase())) all.push({ type, values: [...v.values] });
    }
    if (part.role === 'profile') {
      dn = this.profileDn(branch, part, identityValue);
      objectClasses = part.objectClasses ?? defaultObjectClasses(dn);
      if (!all.some((a) => a.type.toLowerCase() === dn[0]![0]!.type.toLowerCase())) all.push({ type: dn[0]![0]!.type, values: [identityValue] });
    } else {
      const prov = part.provision!;
      const naming = all.find((a) => a.type.toLowerCase() === prov.rdnAttribute.toLowerCase());
      const v = naming?.values.find((x): x is string => typeof x === 'string');
      if (!v) throw unwilling(`a new entry in source ${part.sourceName} needs a value for ${prov.rdnAttribute}`, 'naming-value-missing');
      dn = [[{ type: prov.rdnAttribute, value: v }], ...part.base];
      objectClasses = prov.objectClasses;
    }
    const text = formatDn(dn);
    const entryAttrs = [{ type: 'objectClass', values: objectClasses }, ...all.filter((a) => a.type.toLowerCase() !== 'objectclass' && a.values.length > 0)];
    return {
      what: `${part.sourceName}: add entry with ${names(attrs) || 'correlation values'}`,
      run: async () => {
        if (part.role === 'profile' && this.deps.profile) {
          const rel = formatDn(relativeRdns(part.base, parseDn(this.deps.profile.baseDn)));
          if (rel) await this.deps.profile.ensureContainer(rel);
        }
        await part.source.add({ dn: text, attributes: entryAttrs, controls: [] });
      },
      undo: async () => { await part.source.delete({ dn: text, controls: [] }); },
    };
  }

  private modifyStep(part: SourcePart, before: Entry, changes: Modification[], label?: string): Step {
    return {
      what: `${part.sourceName}: ${label ?? `modify ${names(changes.map((c) => c.attribute))}`}`,
      run: async () => { await part.source.modify({ dn: before.dn, changes, controls: [] }); },
      undo: async () => { await part.source.modify({ dn: before.dn, changes: restoreChanges(before, changes), controls: [] }); },
    };
  }

  /** Steps that carry new correlation values to every partner, so the identity stays joined. */
  private propagateCorrelation(id: Identity, newPrimary: Entry): Step[] {
    const { branch } = id;
    const c = branch.correlation;
    if (!c) return [];
    const oldKeys = rawTuples(branch.primary, c, id.primary).map((t) => keyOfTuple(c, t)).sort().join('\n');
    const newKeys = rawTuples(branch.primary, c, newPrimary).map((t) => keyOfTuple(c, t)).sort().join('\n');
    if (oldKeys === newKeys) return [];
    const steps: Step[] = [];
    for (const part of branch.contributors) {
      if (part.role !== 'contributor') continue;
      const partners = id.partners.get(part.id) ?? [];
      if (partners.length !== 1) continue;
      refuseReadOnly(part, c.attributes);
      const partner = partners[0]!;
      const changes: Modification[] = c.attributes.map((a) => ({
        operation: 'replace', attribute: { type: part.mapping.toSource(a), values: attrValues(newPrimary, branch.primary.mapping.toSource(a)) },
      }));
      const label = `carry new ${c.attributes.join(', ')} to keep the identity joined`;
      // A partner named by the correlation attribute (hr's mail=...) is renamed: its naming value cannot be replaced.
      const leaf = parseDn(partner.dn)[0]!;
      const naming = leaf.length === 1 ? changes.find((ch) => ch.attribute.type.toLowerCase() === leaf[0]!.type.toLowerCase()) : undefined;
      const newValue = naming?.attribute.values.find((v): v is string => typeof v === 'string');
      if (naming && newValue !== undefined) {
        const parent = parseDn(partner.dn).slice(1);
        const renamed = formatDn([[{ type: leaf[0]!.type, value: newValue }], ...parent]);
        steps.push({
          what: `${part.sourceName}: ${label}`,
          run: async () => {
            await part.source.modifyDN({ dn: partner.dn, newRDN: formatDn([[{ type: leaf[0]!.type, value: newValue }]]), deleteOldRDN: true, controls: [] });
            const rest = changes.filter((ch) => ch !== naming || ch.attribute.values.length > 1);
            if (rest.length) await part.source.modify({ dn: renamed, changes: rest, controls: [] });
          },
          undo: async () => {
            await part.source.modifyDN({ dn: renamed, newRDN: formatDn([leaf]), deleteOldRDN: true, controls: [] });
            await part.source.modify({ dn: partner.dn, changes: restoreChanges(partner, changes), controls: [] });
          },
        });
      } else {
        steps.push(this.modifyStep(part, partner, changes, label));
      }
    }
    return steps;
  }

  private notify(branch: CompiledBranch, virtualDns: string[], entries: Array<[SourcePart, string]>, keys: string[]): void {
    this.deps.changed({ branch, virtualDns, sourceKeys: entries.map(([p, dn]) => [p.sourceName, dn]), keys });
  }

  private identityKeys(branch: CompiledBranch, primary: Entry): string[] {
    const c = branch.correlation;
    return c ? rawTuples(branch.primary, c, primary).map((t) => keyOfTuple(c, t)) : [];
  }

  async add(req: AddRequest): Promise<void> {
    const { branch, value, dn } = this.target(req.dn, 'add');
    const vdn = formatDn(dn);
    const attrs = req.attributes.map((a) => ({ type: a.type, values: [...a.values] }));
    const rdnAttr = attrs.find((a) => a.type.toLowerCase() === branch.rdnAttribute.toLowerCase());
    if (!rdnAttr) attrs.push({ type: branch.rdnAttribute, values: [value] });
    else if (!rdnAttr.values.some((v) => valuesEqual(branch.rdnAttribute, v, value))) rdnAttr.values.push(value);

    const byPart = new Map<SourcePart, Attribute[]>();
    for (const a of attrs) {
      const owner = ownerOf(branch, a.type);
      byPart.set(owner, [...(byPart.get(owner) ?? []), a]);
    }
    const primaryAttrs = byPart.get(branch.primary) ?? [];
    refuseReadOnly(branch.primary, []);
    if (!primaryAttrs.some((a) => a.type.toLowerCase() === 'objectclass')) {
      throw new DirgateError('ERR_OBJECT_CLASS_VIOLATION', `${vdn}: objectClass is required`);
    }
    if (await this.readPrimary(branch, value)) throw new DirgateError('ERR_ALREADY_EXISTS', `${vdn} already exists`);
    const sourceDn = formatDn([[{ type: sourceRdnAttribute(branch), value }], ...branch.primary.base]);
    const sourceAttrs = await this.toSourceAttributes(branch, branch.primary, primaryAttrs);
    const newPrimary: Entry = { dn: sourceDn, attributes: sourceAttrs };
    const steps: Step[] = [{
      what: `${branch.primary.sourceName}: add entry`,
      run: async () => { await branch.primary.source.add({ dn: sourceDn, attributes: sourceAttrs, controls: [] }); },
      undo: async () => { await branch.primary.source.delete({ dn: sourceDn, controls: [] }); },
    }];
    const touched: Array<[SourcePart, string]> = [[branch.primary, sourceDn]];
    for (const part of branch.contributors) {
      const mine = byPart.get(part);
      if (!mine || mine.length === 0) continue;
      refuseReadOnly(part, mine.map((a) => a.type));
      const partAttrs = await this.toSourceAttributes(branch, part, mine);
      const correlation = part.role === 'contributor' && branch.correlation
        ? branch.correlation.attributes.map((a) => ({ type: part.mapping.toSource(a), values: attrValues(newPrimary, branch.primary.mapping.toSource(a)) }))
        : [];
      if (part.role === 'contributor' && correlation.some((c) => c.values.length === 0)) {
        throw unwilling(`${names(mine)} belong to source ${part.sourceName}, joined on ${branch.correlation!.attributes.join(', ')}, which the new entry lacks`, 'correlation-value-missing');
      }
      const partners = await this.readPartners(branch, part, newPrimary, [{ type: branch.rdnAttribute, values: [value] }]);
      if (partners.length > 1) throw unwilling(`several entries in source ${part.sourceName} correlate with ${vdn}; see the unresolved list`, 'contributor-ambiguous');
      if (partners.length === 1) {
        steps.push(this.modifyStep(part, partners[0]!, partAttrs.map((a) => ({ operation: 'replace', attribute: a }))));
        touched.push([part, partners[0]!.dn]);
      } else {
        if (part.role === 'contributor' && !part.provision) {
          throw unwilling(`${names(mine)} belong to source ${part.sourceName}, where dirgate does not create entries (no "provision" configured) and no entry correlates`, 'contributor-not-provisioned');
        }
        steps.push(this.createStep(branch, part, partAttrs, value, correlation, attrs));
      }
    }
    try {
      await runSteps('add', vdn, steps);
    } finally {
      this.notify(branch, [vdn], touched, this.identityKeys(branch, newPrimary));
    }
  }

  async modify(req: ModifyRequest): Promise<void> {
    const corrAttrs = (b: CompiledBranch) => new Set((b.correlation?.attributes ?? []).map((a) => a.toLowerCase()));
    const id = await this.readIdentity(req.dn, 'modify', (b, part) => req.changes.some((c) => {
      const owner = ownerOf(b, c.attribute.type);
      return owner === part || (owner === b.primary && part.role === 'contributor' && corrAttrs(b).has(c.attribute.type.toLowerCase()));
    }));
    const { branch } = id;
    const rdnValue = parseDn(id.dn)[0]![0]!.value;
    const byPart = new Map<SourcePart, Modification[]>();
    for (const c of req.changes) {
      const owner = ownerOf(branch, c.attribute.type);
      byPart.set(owner, [...(byPart.get(owner) ?? []), c]);
    }
    const primaryChanges = byPart.get(branch.primary) ?? [];
    // The naming value must survive the change; renaming is modifyDN's job.
    const rdnChanges = primaryChanges.filter((c) => c.attribute.type.toLowerCase() === branch.rdnAttribute.toLowerCase());
    if (rdnChanges.length) {
      const after = applyChanges({ dn: '', attributes: [{ type: branch.rdnAttribute, values: [rdnValue] }] }, rdnChanges);
      if (!attrValues(after, branch.rdnAttribute).some((v) => valuesEqual(branch.rdnAttribute, v, rdnValue))) {
        throw new DirgateError('ERR_NOT_ALLOWED_ON_RDN', `${branch.rdnAttribute} names the entry; use a modifyDN request to rename it`);
      }
    }
    const steps: Step[] = [];
    const touched: Array<[SourcePart, string]> = [[branch.primary, id.primary.dn]];
    let newPrimary = id.primary;
    if (primaryChanges.length) {
      refuseReadOnly(branch.primary, primaryChanges.map((c) => c.attribute.type));
      const src = await this.toSourceChanges(branch, branch.primary, primaryChanges);
      newPrimary = applyChanges(id.primary, src);
      steps.push(this.modifyStep(branch.primary, id.primary, src));
      steps.push(...this.propagateCorrelation(id, newPrimary));
    }
    for (const part of branch.contributors) {
      const mine = byPart.get(part);
      if (!mine || mine.length === 0) continue;
      refuseReadOnly(part, mine.map((c) => c.attribute.type));
      const partners = id.partners.get(part.id) ?? [];
      if (partners.length > 1) throw unwilling(`several entries in source ${part.sourceName} correlate with ${id.dn}; see the unresolved list`, 'contributor-ambiguous');
      const src = await this.toSourceChanges(branch, part, mine);
      if (partners.length === 1) {
        steps.push(this.modifyStep(part, partners[0]!, src));
        touched.push([part, partners[0]!.dn]);
        continue;
      }
      const values = applyChanges({ dn: '', attributes: [] }, src).attributes;
      if (values.length === 0) {
        if (src.some((c) => c.operation === 'delete')) throw new DirgateError('ERR_NO_SUCH_ATTRIBUTE', `${id.dn} has no ${names(mine.map((c) => c.attribute))}`);
        continue;
      }
      if (part.role === 'contributor' && !part.provision) {
        throw unwilling(`${names(mine.map((c) => c.attribute))} belong to source ${part.sourceName}, which holds no entry for ${id.dn} and where dirgate does not create entries`, 'contributor-not-provisioned');
      }
      const correlation = part.role === 'contributor' && branch.correlation
        ? branch.correlation.attributes.map((a) => ({ type: part.mapping.toSource(a), values: attrValues(newPrimary, branch.primary.mapping.toSource(a)) }))
        : [];
      steps.push(this.createStep(branch, part, values, rdnValue, correlation, primaryViewAttributes(branch, id.primary)));
    }
    try {
      await runSteps('modify', id.dn, steps);
    } finally {
      this.notify(branch, [id.dn], touched, [...this.identityKeys(branch, id.primary), ...this.identityKeys(branch, newPrimary)]);
    }
  }

  async delete(req: DeleteRequest): Promise<void> {
    const id = await this.readIdentity(req.dn, 'delete', (_b, part) => part.role === 'profile' || part.provision !== undefined);
    const { branch } = id;
    const steps: Step[] = [];
    const touched: Array<[SourcePart, string]> = [];
    const readd = (part: SourcePart, e: Entry) => async () => {
      await part.source.add({ dn: e.dn, attributes: e.attributes.filter((a) => a.values.length > 0), controls: [] });
    };
    // Profile and provisioned contributors first, the primary (the identity's existence) last.
    for (const part of [...branch.contributors].reverse()) {
      if (part.role === 'contributor' && !part.provision) continue;
      const partners = id.partners.get(part.id) ?? [];
      if (partners.length === 0) continue;
      if (partners.length > 1) throw unwilling(`several entries in source ${part.sourceName} correlate with ${id.dn}; see the unresolved list`, 'contributor-ambiguous');
      refuseReadOnly(part, []);
      const e = partners[0]!;
      steps.push({ what: `${part.sourceName}: delete entry`, run: async () => { await part.source.delete({ dn: e.dn, controls: [] }); }, undo: readd(part, e) });
      touched.push([part, e.dn]);
    }
    refuseReadOnly(branch.primary, []);
    steps.push({ what: `${branch.primary.sourceName}: delete entry`, run: async () => { await branch.primary.source.delete({ dn: id.primary.dn, controls: [] }); }, undo: readd(branch.primary, id.primary) });
    touched.push([branch.primary, id.primary.dn]);
    try {
      await runSteps('delete', id.dn, steps);
    } finally {
      this.notify(branch, [id.dn], touched, this.identityKeys(branch, id.primary));
    }
  }

  async modifyDN(req: ModifyDNRequest): Promise<string> {
    const id = await this.readIdentity(req.dn, 'modifyDN', (b, part) => part.role === 'profile'
      || (b.correlation?.attributes.some((a) => a.toLowerCase() === b.rdnAttribute.toLowerCase()) ?? false));
    const { branch } = id;
    if (req.newSuperior !== undefined && req.newSuperior !== '' && normalizeDn(req.newSuperior) !== branch.dnKey) {
      throw new DirgateError('ERR_UNWILLING_TO_PERFORM', `entries cannot move out of ${branch.dn}`, { reason: 'move-between-branches', ldapCode: 71 });
    }
    const newRdn = parseDn(req.newRDN);
    const ava = newRdn.length === 1 && newRdn[0]!.length === 1 ? newRdn[0]![0]! : undefined;
    if (!ava || ava.type.toLowerCase() !== branch.rdnAttribute.toLowerCase()) {
      throw new DirgateError('ERR_NAMING_VIOLATION', `entries of ${branch.dn} are named by ${branch.rdnAttribute}`);
    }
    const oldValue = parseDn(id.dn)[0]![0]!.value;
    const newDn = formatDn([[{ type: branch.rdnAttribute, value: ava.value }], ...branch.dnParsed]);
    if (normalizeDn(newDn) === normalizeDn(id.dn)) return newDn;
    if (await this.readPrimary(branch, ava.value)) throw new DirgateError('ERR_ALREADY_EXISTS', `${newDn} already exists`);
    refuseReadOnly(branch.primary, [branch.rdnAttribute]);
    const srcAttr = sourceRdnAttribute(branch);
    const steps: Step[] = [];
    const touched: Array<[SourcePart, string]> = [[branch.primary, id.primary.dn]];
    const renameStep = (part: SourcePart, dn: string, attr: string): Step => {
      const parsed = parseDn(dn);
      const leaf = parsed[0]!;
      const parent = parsed.slice(1);
      const newSourceDn = formatDn([[{ type: attr, value: ava.value }], ...parent]);
      touched.push([part, newSourceDn]);
      return {
        what: `${part.sourceName}: rename entry`,
        run: async () => { await part.source.modifyDN({ dn, newRDN: formatDn([[{ type: attr, value: ava.value }]]), deleteOldRDN: req.deleteOldRDN, controls: [] }); },
        undo: async () => { await part.source.modifyDN({ dn: newSourceDn, newRDN: formatDn([leaf]), deleteOldRDN: true, controls: [] }); },
      };
    };
    const leaf = parseDn(id.primary.dn)[0]!;
    let newPrimary: Entry;
    if (leaf.length === 1 && leaf[0]!.type.toLowerCase() === srcAttr.toLowerCase()) {
      steps.push(renameStep(branch.primary, id.primary.dn, srcAttr));
    } else {
      // The source names its entry otherwise: the view's naming value is just an attribute there.
      const changes: Modification[] = req.deleteOldRDN
        ? [{ operation: 'delete', attribute: { type: srcAttr, values: [oldValue] } }, { operation: 'add', attribute: { type: srcAttr, values: [ava.value] } }]
        : [{ operation: 'add', attribute: { type: srcAttr, values: [ava.value] } }];
      steps.push(this.modifyStep(branch.primary, id.primary, changes, `set ${srcAttr}`));
    }
    newPrimary = applyChanges(id.primary, req.deleteOldRDN
      ? [{ operation: 'delete', attribute: { type: srcAttr, values: [oldValue] } }, { operation: 'add', attribute: { type: srcAttr, values: [ava.value] } }]
      : [{ operation: 'add', attribute: { type: srcAttr, values: [ava.value] } }]);
    steps.push(...this.propagateCorrelation(id, newPrimary));
    for (const part of branch.contributors) {
      if (part.role !== 'profile') continue;
      const partners = id.partners.get(part.id) ?? [];
      if (partners.length !== 1) continue;
      refuseReadOnly(part, []);
      steps.push(renameStep(part, partners[0]!.dn, part.mapping.toSource(branch.rdnAttribute)));
      touched.push([part, partners[0]!.dn]);
    }
    try {
      await runSteps('modifyDN', id.dn, steps);
    } finally {
      this.notify(branch, [id.dn, newDn], touched, [...this.identityKeys(branch, id.primary), ...this.identityKeys(branch, newPrimary)]);
    }
    return newDn;
  }
}

export { isUnavailable };
