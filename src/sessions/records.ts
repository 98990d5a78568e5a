/**
 * State kept in the extended profile as JSON documents with a revision, so
 * several gateway processes can update the same entry without losing writes:
 * an update removes the revision it read and adds a new one in the same
 * modify, and fails as a conflict if another process got there first
 * (schemas/ldap/dirgate.ldif describes the attributes).
 */
import { randomBytes } from 'node:crypto';
import type { Attribute, Entry, Modification } from '../directory/model.js';
import { firstString } from '../directory/model.js';
import { DirgateError } from '../errors.js';
import { isConflict, unlessMissing, type ProfileEntries } from './profile-entries.js';

export interface StoredRecord<T> {
  dn: string;
  revision: string;
  data: T;
}

/** Attributes kept beside the JSON for searching. */
export interface IndexedAttributes {
  user?: string;
  expiresAt?: number;
}

function newRevision(): string {
  return randomBytes(9).toString('base64url');
}

function indexed(ix: IndexedAttributes): Attribute[] {
  const out: Attribute[] = [];
  if (ix.user !== undefined) out.push({ type: 'dirgateUser', values: [ix.user] });
  if (ix.expiresAt !== undefined) out.push({ type: 'dirgateExpiresAt', values: [String(Math.floor(ix.expiresAt))] });
  return out;
}

export function parseRecord<T>(entry: Entry): StoredRecord<T> | undefined {
  const revision = firstString(entry, 'dirgateRevision');
  const json = firstString(entry, 'dirgateData');
  if (!revision || !json) return undefined;
  try {
    return { dn: entry.dn, revision, data: JSON.parse(json) as T };
  } catch {
    return undefined;
  }
}

export async function readRecord<T>(entries: ProfileEntries, dn: string): Promise<StoredRecord<T> | undefined> {
  const entry = await entries.get(dn);
  return entry && parseRecord<T>(entry);
}

/** Adds the entry; resolves to undefined when it already exists. */
export async function createRecord<T>(
  entries: ProfileEntries, dn: string, naming: Attribute[], objectClass: string, data: T, ix: IndexedAttributes = {},
): Promise<StoredRecord<T> | undefined> {
  const revision = newRevision();
  try {
    await entries.add(dn, [
      { type: 'objectClass', values: ['top', objectClass] },
      ...naming,
      { type: 'dirgateRevision', values: [revision] },
      { type: 'dirgateData', values: [JSON.stringify(data)] },
      ...indexed(ix),
    ]);
  } catch (err) {
    if (err instanceof DirgateError && err.code === 'ERR_ALREADY_EXISTS') return undefined;
    throw err;
  }
  return { dn, revision, data };
}

/** Writes `data` if the entry still has `record.revision`; resolves to undefined on a conflict (or if it is gone). */
export async function updateRecord<T>(entries: ProfileEntries, record: StoredRecord<T>, data: T, ix: IndexedAttributes = {}): Promise<StoredRecord<T> | undefined> {
  const revision = newRevision();
  const changes: Modification[] = [
    { operation: 'delete', attribute: { type: 'dirgateRevision', values: [record.revision] } },
    { operation: 'add', attribute: { type: 'dirgateRevision', values: [revision] } },
    { operation: 'replace', attribute: { type: 'dirgateData', values: [JSON.stringify(data)] } },
    ...indexed(ix).map((attribute): Modification => ({ operation: 'replace', attribute })),
  ];
  try {
    await entries.modify(record.dn, changes);
  } catch (err) {
    if (isConflict(err)) return undefined;
    throw err;
  }
  return { dn: record.dn, revision, data };
}

/**
 * Read-modify-write with retries on conflict. `change` returns the new data
 * (and its indexed attributes), or undefined to leave the entry as it is.
 * Resolves to the record as written (or as read when unchanged), undefined when
 * the entry does not exist.
 */
export async function mutateRecord<T>(
  entries: ProfileEntries, dn: string,
  change: (current: T) => { data: T; ix?: IndexedAttributes } | undefined,
  attempts = 8,
): Promise<StoredRecord<T> | undefined> {
  for (let i = 0; i < attempts; i++) {
    const current = await readRecord<T>(entries, dn);
    if (!current) return undefined;
    const next = change(current.data);
    if (!next) return current;
    const written = await updateRecord(entries, current, next.data, next.ix);
    if (written) return written;
  }
  throw new DirgateError('ERR_BUSY', `too many concurrent updates of ${dn}`, { reason: 'store-contention' });
}

/** Deletes the entry; true when this call removed it. */
export async function deleteRecord(entries: ProfileEntries, dn: string): Promise<boolean> {
  return unlessMissing(async () => { await entries.delete(dn); return true; }, false);
}

/** Adds an organizationalUnit (or the base) if missing; the profile containers are made on first use. */
export async function ensureContainer(entries: ProfileEntries, dn: string): Promise<void> {
  if (await entries.get(dn)) return;
  const rdn = dn.split(',')[0]!;
  const [type, ...rest] = rdn.split('=');
  const value = rest.join('=').trim();
  const attrType = type!.trim().toLowerCase();
  const objectClass = attrType === 'ou' ? 'organizationalUnit' : attrType === 'o' ? 'organization' : attrType === 'cn' ? 'organizationalRole' : 'organizationalUnit';
  try {
    await entries.add(dn, [
      { type: 'objectClass', values: ['top', objectClass] },
      { type: attrType, values: [value] },
    ]);
  } catch (err) {
    if (err instanceof DirgateError && err.code === 'ERR_ALREADY_EXISTS') return;
    throw err;
  }
}
