/**
 * The in-memory directory tree of one suffix and the LDAP update semantics
 * (RFC 4511 sections 4.6 to 4.9). Every update is first planned: checked
 * against the tree and turned into a change record, without touching the tree.
 * The caller journals the record durably and only then applies it; replay at
 * start-up applies the same records, so what was answered is what comes back.
 */
import { randomUUID } from 'node:crypto';
import { DirgateError } from '../../errors.js';
import type { Attribute, Entry, Modification, Value } from '../model.js';
import { type Dn, dnKey, formatDn, isWithin, parseDn } from './dn.js';
import { type Clock, CsnGenerator, generalizedTime, isOperational } from './operational.js';
import { prepareUserPassword, verifyPassword } from './passwords.js';
import { describeAttribute, matchKey, toStoredValue } from './values.js';

export interface StoredAttribute { type: string; values: Value[] }

export interface OperationalState {
  entryUUID: string;
  createTimestamp: string;
  modifyTimestamp: string;
  creatorsName: string;
  modifiersName: string;
}

export interface StoredEntry {
  dn: Dn;
  attributes: Map<string, StoredAttribute>;
  operational: OperationalState;
}

/** One durable change; `seq` orders records within a suffix across snapshot and journal. */
export type ChangeRecord =
  | { seq: number; csn: string; op: 'put'; entry: StoredEntry }
  | { seq: number; csn: string; op: 'delete'; dn: string }
  | { seq: number; csn: string; op: 'move'; dn: string; entry: StoredEntry };

export interface AddInput { dn: string; attributes: Attribute[] }

function noSuchObject(dn: string, matchedDN: string): DirgateError {
  return new DirgateError('ERR_NO_SUCH_OBJECT', `no such entry: ${dn}`, { matchedDN, reason: 'no-such-entry' });
}

function cloneEntry(entry: StoredEntry): StoredEntry {
  const attributes = new Map<string, StoredAttribute>();
  for (const [k, a] of entry.attributes) attributes.set(k, { type: a.type, values: [...a.values] });
  return { dn: entry.dn.map((rdn) => rdn.map((ava) => ({ ...ava }))), attributes, operational: { ...entry.operational } };
}

export class Dit {
  readonly suffix: Dn;
  readonly suffixKey: string;
  readonly suffixDn: string;
  /** Sequence number of the last applied record. */
  seq = 0;
  contextCSN: string | undefined;
  private readonly entries = new Map<string, StoredEntry>();
  private readonly children = new Map<string, Set<string>>();
  private readonly csn: CsnGenerator;

  constructor(suffix: string, private readonly clock: Clock = () => new Date()) {
    this.suffix = parseDn(suffix);
    this.suffixKey = dnKey(this.suffix);
    this.suffixDn = formatDn(this.suffix);
    this.csn = new CsnGenerator(clock);
  }

  get size(): number {
    return this.entries.size;
  }

  contains(key: string): boolean {
    return isWithin(key, this.suffixKey);
  }

  get(key: string): StoredEntry | undefined {
    return this.entries.get(key);
  }

  hasChildren(key: string): boolean {
    return (this.children.get(key)?.size ?? 0) > 0;
  }

  *childrenOf(key: string): Generator<StoredEntry> {
    for (const k of this.children.get(key) ?? []) {
      const e = this.entries.get(k);
      if (e) yield e;
    }
  }

  /** The entry and everything below it, parents first. */
  *subtree(key: string): Generator<StoredEntry> {
    const root = this.entries.get(key);
    if (!root) return;
    const stack: StoredEntry[] = [root];
    while (stack.length) {
      const e = stack.pop()!;
      yield e;
      const kids = [...this.childrenOf(dnKey(e.dn))];
      for (let i = kids.length - 1; i >= 0; i -= 1) stack.push(kids[i]!);
    }
  }

  /** Every entry, parents before children (the order a snapshot is written in). */
  *all(): Generator<StoredEntry> {
    yield* this.subtree(this.suffixKey);
  }

  /** The closest existing ancestor of `dn`, for a noSuchObject's matchedDN. */
  matchedDn(dn: Dn): string {
    for (let i = 1; i <= dn.length; i += 1) {
      const up = dn.slice(i);
      if (this.entries.has(dnKey(up))) return formatDn(up);
    }
    return '';
  }

  // ---- planning (never mutates the tree) ----

  private nextMeta(): { seq: number; csn: string } {
    return { seq: this.seq + 1, csn: this.csn.next() };
  }

  private requireEntry(dnString: string): { dn: Dn; key: string; entry: StoredEntry } {
    const dn = parseDn(dnString);
    const key = dnKey(dn);
    const entry = this.entries.get(key);
    if (!entry) throw noSuchObject(dnString, this.matchedDn(dn));
    return { dn, key, entry };
  }

  planAdd(input: AddInput, actor: string): ChangeRecord {
    const dn = parseDn(input.dn);
    const key = dnKey(dn);
    if (!this.contains(key)) throw noSuchObject(input.dn, '');
    if (this.entries.has(key)) throw new DirgateError('ERR_ALREADY_EXISTS', `entry already exists: ${input.dn}`, { reason: 'entry-exists' });
    if (key !== this.suffixKey && !this.entries.has(dnKey(dn.slice(1)))) {
      throw noSuchObject(formatDn(dn.slice(1)), this.matchedDn(dn));
    }
    const attributes = new Map<string, StoredAttribute>();
    for (const attr of input.attributes) {
      const { type, key: k, binaryOption } = describeAttribute(attr.type);
      if (isOperational(k)) throw new DirgateError('ERR_CONSTRAINT_VIOLATION', `${type}: no user modification allowed`, { reason: 'operational-attribute' });
      if (attr.values.length === 0) throw new DirgateError('ERR_MALFORMED_REQUEST', `${type}: no values given`, { reason: 'attribute-without-values' });
      const stored = attributes.get(k) ?? { type, values: [] };
      for (const raw of attr.values) addValue(stored, k, this.storeValue(k, raw, binaryOption));
      attributes.set(k, stored);
    }
    if (!attributes.get('objectclass')?.values.length) {
      throw new DirgateError('ERR_OBJECT_CLASS_VIOLATION', `${input.dn}: no objectClass`, { reason: 'no-object-class' });
    }
    for (const ava of dn[0] ?? []) {
      const k = ava.type.toLowerCase();
      const wanted = matchKey(k, ava.value);
      if (!attributes.get(k)?.values.some((v) => matchKey(k, v) === wanted)) {
        throw new DirgateError('ERR_NAMING_VIOLATION', `naming attribute ${ava.type} is not present in the entry`, { reason: 'rdn-value-missing' });
      }
    }
    const now = generalizedTime(this.clock());
    const entry: StoredEntry = {
      dn,
      attributes,
      operational: { entryUUID: randomUUID(), createTimestamp: now, modifyTimestamp: now, creatorsName: actor, modifiersName: actor },
    };
    return { ...this.nextMeta(), op: 'put', entry };
  }

  planModify(dnString: string, changes: Modification[], actor: string): ChangeRecord {
    const { entry: current } = this.requireEntry(dnString);
    const entry = cloneEntry(current);
    for (const change of changes) {
      const { type, key: k, binaryOption } = describeAttribute(change.attribute.type);
      if (isOperational(k)) throw new DirgateError('ERR_CONSTRAINT_VIOLATION', `${type}: no user modification allowed`, { reason: 'operational-attribute' });
      const existing = entry.attributes.get(k);
      const incoming = change.attribute.values;
      switch (change.operation) {
        case 'add': {
          if (incoming.length === 0) throw new DirgateError('ERR_MALFORMED_REQUEST', `${type}: no values given`, { reason: 'attribute-without-values' });
          const attr = existing ?? { type, values: [] };
          for (const raw of incoming) {
            if (k === 'userpassword' && attr.values.some((v) => samePassword(raw, v))) throw valueExists(type);
            addValue(attr, k, this.storeValue(k, raw, binaryOption));
          }
          entry.attributes.set(k, attr);
          break;
        }
        case 'delete': {
          if (!existing) throw new DirgateError('ERR_NO_SUCH_ATTRIBUTE', `${type}: no such attribute`, { reason: 'no-such-attribute' });
          if (incoming.length === 0) {
            entry.attributes.delete(k);
            break;
          }
          for (const raw of incoming) {
            const index = k === 'userpassword'
              ? existing.values.findIndex((v) => samePassword(raw, v))
              : existing.values.findIndex((v) => matchKey(k, v) === matchKey(k, raw));
            if (index < 0) throw new DirgateError('ERR_NO_SUCH_ATTRIBUTE', `${type}: no such value`, { reason: 'no-such-value' });
            existing.values.splice(index, 1);
          }
          if (existing.values.length === 0) entry.attributes.delete(k);
          break;
        }
        case 'replace': {
          if (incoming.length === 0) {
            entry.attributes.delete(k);
            break;
          }
          const attr: StoredAttribute = { type: existing?.type ?? type, values: [] };
          for (const raw of incoming) addValue(attr, k, this.storeValue(k, raw, binaryOption));
          entry.attributes.set(k, attr);
          break;
        }
      }
    }
    if (!entry.attributes.get('objectclass')?.values.length) {
      throw new DirgateError('ERR_OBJECT_CLASS_VIOLATION', `${dnString}: objectClass may not be removed`, { reason: 'no-object-class' });
    }
    for (const ava of entry.dn[0] ?? []) {
      const k = ava.type.toLowerCase();
      const wanted = matchKey(k, ava.value);
      if (!entry.attributes.get(k)?.values.some((v) => matchKey(k, v) === wanted)) {
        throw new DirgateError('ERR_NOT_ALLOWED_ON_RDN', `${ava.type}: the naming value may not be removed`, { reason: 'rdn-value-removed' });
      }
    }
    entry.operational.modifyTimestamp = generalizedTime(this.clock());
    entry.operational.modifiersName = actor;
    return { ...this.nextMeta(), op: 'put', entry };
  }

  planDelete(dnString: string): ChangeRecord {
    const { key, entry } = this.requireEntry(dnString);
    if (this.hasChildren(key)) throw new DirgateError('ERR_NOT_ALLOWED_ON_NON_LEAF', `${dnString} has subordinate entries`, { reason: 'entry-has-children' });
    return { ...this.nextMeta(), op: 'delete', dn: formatDn(entry.dn) };
  }

  planModifyDn(dnString: string, newRdnString: string, deleteOldRdn: boolean, newSuperior: string | undefined, actor: string): ChangeRecord {
    const { key, entry: current } = this.requireEntry(dnString);
    if (key === this.suffixKey) throw new DirgateError('ERR_UNWILLING_TO_PERFORM', 'the suffix entry cannot be renamed', { reason: 'suffix-rename' });
    const newRdnDn = parseDn(newRdnString);
    if (newRdnDn.length !== 1) throw new DirgateError('ERR_INVALID_DN', `invalid new RDN "${newRdnString}"`, { reason: 'dn-syntax' });
    const newRdn = newRdnDn[0]!;
    let parent = current.dn.slice(1);
    if (newSuperior !== undefined) {
      parent = parseDn(newSuperior);
      const parentKey = dnKey(parent);
      if (!this.contains(parentKey)) {
        throw new DirgateError('ERR_UNWILLING_TO_PERFORM', `${newSuperior} is not in ${this.suffixDn}`, { reason: 'cross-suffix-move', ldapCode: 71 });
      }
      if (!this.entries.has(parentKey)) throw noSuchObject(newSuperior, this.matchedDn(parent));
      if (isWithin(parentKey, key)) throw new DirgateError('ERR_UNWILLING_TO_PERFORM', 'an entry cannot be moved below itself', { reason: 'move-below-self' });
    }
    const newDn = [newRdn, ...parent];
    const newKey = dnKey(newDn);
    if (newKey !== key && this.entries.has(newKey)) throw new DirgateError('ERR_ALREADY_EXISTS', `entry already exists: ${formatDn(newDn)}`, { reason: 'entry-exists' });
    const entry = cloneEntry(current);
    entry.dn = newDn;
    if (deleteOldRdn) {
      const kept = new Set(newRdn.map((a) => `${a.type.toLowerCase()}\0${matchKey(a.type, a.value)}`));
      for (const ava of current.dn[0] ?? []) {
        const k = ava.type.toLowerCase();
        if (kept.has(`${k}\0${matchKey(k, ava.value)}`)) continue;
        const attr = entry.attributes.get(k);
        if (!attr) continue;
        attr.values = attr.values.filter((v) => matchKey(k, v) !== matchKey(k, ava.value));
        if (attr.values.length === 0) entry.attributes.delete(k);
      }
    }
    for (const ava of newRdn) {
      const k = ava.type.toLowerCase();
      if (isOperational(k)) throw new DirgateError('ERR_CONSTRAINT_VIOLATION', `${ava.type}: no user modification allowed`, { reason: 'operational-attribute' });
      const attr = entry.attributes.get(k) ?? { type: ava.type, values: [] };
      if (!attr.values.some((v) => matchKey(k, v) === matchKey(k, ava.value))) attr.values.push(toStoredValue(k, ava.value));
      entry.attributes.set(k, attr);
    }
    if (!entry.attributes.get('objectclass')?.values.length) {
      throw new DirgateError('ERR_OBJECT_CLASS_VIOLATION', 'objectClass may not be removed', { reason: 'no-object-class' });
    }
    entry.operational.modifyTimestamp = generalizedTime(this.clock());
    entry.operational.modifiersName = actor;
    return { ...this.nextMeta(), op: 'move', dn: formatDn(current.dn), entry };
  }

  private storeValue(key: string, raw: Value, binaryOption: boolean): Value {
    if (key === 'userpassword') return prepareUserPassword(raw);
    return toStoredValue(key, raw, binaryOption);
  }

  // ---- applying (the only code that mutates the tree) ----

  apply(record: ChangeRecord): void {
    switch (record.op) {
      case 'put':
        this.insert(record.entry);
        break;
      case 'delete':
        this.remove(dnKey(parseDn(record.dn)));
        break;
      case 'move': {
        const oldKey = dnKey(parseDn(record.dn));
        const moved = [...this.subtree(oldKey)];
        const depth = moved[0]?.dn.length ?? 0;
        for (let i = moved.length - 1; i >= 0; i -= 1) this.remove(dnKey(moved[i]!.dn));
        this.insert(record.entry);
        for (const e of moved.slice(1)) {
          e.dn = [...e.dn.slice(0, e.dn.length - depth), ...record.entry.dn];
          this.insert(e);
        }
        break;
      }
    }
    this.seq = record.seq;
    this.contextCSN = record.csn;
    this.csn.observe(record.csn);
  }

  private insert(entry: StoredEntry): void {
    const key = dnKey(entry.dn);
    this.entries.set(key, entry);
    const parentKey = dnKey(entry.dn.slice(1));
    let kids = this.children.get(parentKey);
    if (!kids) {
      kids = new Set();
      this.children.set(parentKey, kids);
    }
    kids.add(key);
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.children.get(dnKey(entry.dn.slice(1)))?.delete(key);
    if (this.children.get(key)?.size === 0) this.children.delete(key);
  }

  /** Loads a snapshot's entries (parents first) and the position it was taken at. */
  restore(entries: StoredEntry[], seq: number, contextCSN: string | undefined): void {
    for (const e of entries) this.insert(e);
    this.seq = seq;
    this.contextCSN = contextCSN;
    if (contextCSN) this.csn.observe(contextCSN);
  }

  /** Loads seed entries (from LDIF) in order, as if added by `actor`. */
  seed(entries: Entry[], actor: string): ChangeRecord[] {
    const records: ChangeRecord[] = [];
    for (const e of entries) {
      const record = this.planAdd({ dn: e.dn, attributes: e.attributes }, actor);
      this.apply(record);
      records.push(record);
    }
    return records;
  }
}

function addValue(attr: StoredAttribute, key: string, value: Value): void {
  const wanted = matchKey(key, value);
  if (attr.values.some((v) => matchKey(key, v) === wanted)) throw valueExists(attr.type);
  attr.values.push(value);
}

function valueExists(type: string): DirgateError {
  return new DirgateError('ERR_ATTRIBUTE_OR_VALUE_EXISTS', `${type}: value already exists`, { reason: 'value-exists' });
}

/** A written userPassword value names a stored one when it is the same text or the clear text it hashes. */
function samePassword(raw: Value, stored: Value): boolean {
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : raw;
  return text === stored || verifyPassword(raw, stored);
}
