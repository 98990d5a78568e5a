/**
 * Durable state of one suffix: a snapshot plus an append-only journal of change
 * records, both JSON lines under `<dataDir>/embedded/`. A record is written and
 * fsynced before the LDAP answer leaves, so an answered write survives a crash.
 * At start-up snapshot and journal are replayed, then compacted: a new snapshot
 * is written to a temporary file, fsynced and renamed over the old one before
 * the journal is emptied. Records carry a sequence number, so a journal left
 * over from a crash between the two steps is never applied twice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DirgateError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Entry, Value } from '../model.js';
import type { ChangeRecord, Dit, StoredAttribute, StoredEntry } from './dit.js';
import { formatDn, parseDn } from './dn.js';

type JsonValue = string | { b64: string };
interface JsonEntry {
  dn: string;
  attrs: Array<[string, JsonValue[]]>;
  op: StoredEntry['operational'];
}
type JsonRecord =
  | { seq: number; csn: string; op: 'put'; entry: JsonEntry }
  | { seq: number; csn: string; op: 'delete'; dn: string }
  | { seq: number; csn: string; op: 'move'; dn: string; entry: JsonEntry };
interface SnapshotHeader { format: 'dirgate-embedded-snapshot'; version: 1; suffix: string; seq: number; contextCSN?: string }

function encodeValue(v: Value): JsonValue {
  return Buffer.isBuffer(v) ? { b64: v.toString('base64') } : v;
}
function decodeValue(v: JsonValue): Value {
  return typeof v === 'string' ? v : Buffer.from(v.b64, 'base64');
}

export function encodeEntry(e: StoredEntry): JsonEntry {
  return { dn: formatDn(e.dn), attrs: [...e.attributes.values()].map((a) => [a.type, a.values.map(encodeValue)]), op: e.operational };
}

export function decodeEntry(j: JsonEntry): StoredEntry {
  const attributes = new Map<string, StoredAttribute>();
  for (const [type, values] of j.attrs) attributes.set(type.toLowerCase(), { type, values: values.map(decodeValue) });
  return { dn: parseDn(j.dn), attributes, operational: { ...j.op } };
}

export function encodeRecord(r: ChangeRecord): JsonRecord {
  switch (r.op) {
    case 'put': return { seq: r.seq, csn: r.csn, op: 'put', entry: encodeEntry(r.entry) };
    case 'delete': return { seq: r.seq, csn: r.csn, op: 'delete', dn: r.dn };
    case 'move': return { seq: r.seq, csn: r.csn, op: 'move', dn: r.dn, entry: encodeEntry(r.entry) };
  }
}

export function decodeRecord(j: JsonRecord): ChangeRecord {
  switch (j.op) {
    case 'put': return { seq: j.seq, csn: j.csn, op: 'put', entry: decodeEntry(j.entry) };
    case 'delete': return { seq: j.seq, csn: j.csn, op: 'delete', dn: j.dn };
    case 'move': return { seq: j.seq, csn: j.csn, op: 'move', dn: j.dn, entry: decodeEntry(j.entry) };
  }
}

/** A file name for a suffix: `dc=corp,dc=example` -> `dc-corp.dc-example`. */
export function suffixSlug(suffix: string): string {
  return parseDn(suffix)
    .map((rdn) => rdn.map((a) => `${a.type}-${a.value}`.toLowerCase()).join('+'))
    .join('.')
    .replace(/[^a-z0-9.+-]/g, '_');
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function writeAll(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) offset += fs.writeSync(fd, data, offset, data.length - offset);
}

function corrupt(file: string, line: number, why: string): DirgateError {
  return new DirgateError('ERR_INTERNAL', `${file} line ${line}: ${why}; the embedded directory's data cannot be read`, { reason: 'journal-corrupt' });
}

/** Splits JSON lines; a last line without its newline is a write cut short by a crash. */
function readLines(file: string): { lines: string[]; torn: boolean } {
  const text = fs.readFileSync(file, 'utf8');
  if (text === '') return { lines: [], torn: false };
  const parts = text.split('\n');
  const last = parts.pop();
  return { lines: parts, torn: last !== undefined && last !== '' };
}

export interface SuffixStoreOptions {
  dataDir: string;
  dit: Dit;
  /** Seed entries, read only when the data directory holds nothing for this suffix. */
  seed: () => Entry[];
  /** Who the seed entries are created by (the suffix's administrator). */
  seedActor: string;
  log: Logger;
}

/** Journals one suffix's changes and keeps its Dit in step with the disk. */
export class SuffixStore {
  readonly dit: Dit;
  readonly snapshotFile: string;
  readonly journalFile: string;
  private fd: number | undefined;
  private journalBytes = 0;

  private constructor(private readonly options: SuffixStoreOptions) {
    this.dit = options.dit;
    const dir = path.join(options.dataDir, 'embedded');
    const slug = suffixSlug(this.dit.suffixDn);
    this.snapshotFile = path.join(dir, `${slug}.snapshot`);
    this.journalFile = path.join(dir, `${slug}.journal`);
  }

  static open(options: SuffixStoreOptions): SuffixStore {
    const store = new SuffixStore(options);
    store.load();
    return store;
  }

  private load(): void {
    const { log, dit } = this.options;
    // The files hold password hashes and session data: only the owner reads them.
    fs.mkdirSync(path.dirname(this.snapshotFile), { recursive: true, mode: 0o700 });
    const hasSnapshot = fs.existsSync(this.snapshotFile);
    const hasJournal = fs.existsSync(this.journalFile);
    if (hasSnapshot) this.readSnapshot();
    if (hasJournal) this.replayJournal();
    if (!hasSnapshot && !hasJournal) {
      const entries = this.options.seed();
      dit.seed(entries, this.options.seedActor);
      log.info('embedded directory seeded', { suffix: dit.suffixDn, entries: entries.length });
    }
    this.compact();
    this.fd = fs.openSync(this.journalFile, 'a');
    this.journalBytes = fs.fstatSync(this.fd).size;
  }

  private readSnapshot(): void {
    const { lines, torn } = readLines(this.snapshotFile);
    // A snapshot is renamed into place only once complete, so any damage is real damage.
    if (torn || lines.length === 0) throw corrupt(this.snapshotFile, lines.length + 1, 'incomplete snapshot');
    let header: SnapshotHeader;
    try {
      header = JSON.parse(lines[0]!) as SnapshotHeader;
    } catch {
      throw corrupt(this.snapshotFile, 1, 'unreadable header');
    }
    if (header.format !== 'dirgate-embedded-snapshot' || header.version !== 1) throw corrupt(this.snapshotFile, 1, 'unknown snapshot format');
    const entries: StoredEntry[] = [];
    lines.slice(1).forEach((line, i) => {
      try {
        entries.push(decodeEntry(JSON.parse(line) as JsonEntry));
      } catch (err) {
        throw corrupt(this.snapshotFile, i + 2, `unreadable entry (${(err as Error).message})`);
      }
    });
    this.dit.restore(entries, header.seq, header.contextCSN);
  }

  private replayJournal(): void {
    const { lines, torn } = readLines(this.journalFile);
    let applied = 0;
    lines.forEach((line, i) => {
      let record: ChangeRecord;
      try {
        record = decodeRecord(JSON.parse(line) as JsonRecord);
      } catch (err) {
        throw corrupt(this.journalFile, i + 1, `unreadable record (${(err as Error).message})`);
      }
      if (record.seq <= this.dit.seq) return;
      if (record.seq !== this.dit.seq + 1) throw corrupt(this.journalFile, i + 1, `record ${record.seq} follows ${this.dit.seq}`);
      this.dit.apply(record);
      applied += 1;
    });
    if (torn) this.options.log.warn('embedded directory: dropped a journal record cut short by a crash (it was never answered)', { file: this.journalFile });
    if (applied) this.options.log.info('embedded directory: journal replayed', { suffix: this.dit.suffixDn, records: applied });
  }

  /** Writes the whole tree as the new snapshot, then empties the journal. */
  private compact(): void {
    const { dit } = this;
    const header: SnapshotHeader = { format: 'dirgate-embedded-snapshot', version: 1, suffix: dit.suffixDn, seq: dit.seq, contextCSN: dit.contextCSN };
    const tmp = `${this.snapshotFile}.tmp-${process.pid}`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      writeAll(fd, Buffer.from(`${JSON.stringify(header)}\n`));
      for (const entry of dit.all()) writeAll(fd, Buffer.from(`${JSON.stringify(encodeEntry(entry))}\n`));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.snapshotFile);
    fsyncDir(path.dirname(this.snapshotFile));
    const jfd = fs.openSync(this.journalFile, 'w', 0o600);
    try {
      fs.fsyncSync(jfd);
    } finally {
      fs.closeSync(jfd);
    }
    fsyncDir(path.dirname(this.journalFile));
  }

  /**
   * Makes a planned change durable, then applies it. A failed write is cut back
   * off the journal so that a later record never follows half a line.
   */
  commit(record: ChangeRecord): void {
    if (this.fd === undefined) throw new DirgateError('ERR_COULD_NOT_CONNECT', 'the embedded directory is closed', { reason: 'directory-closed' });
    const line = Buffer.from(`${JSON.stringify(encodeRecord(record))}\n`);
    try {
      writeAll(this.fd, line);
      fs.fsyncSync(this.fd);
    } catch (err) {
      try {
        fs.ftruncateSync(this.fd, this.journalBytes);
      } catch {
        // The torn tail is dropped at the next start-up.
      }
      throw new DirgateError('ERR_WRITE_INCOMPLETE', `the change could not be journaled: ${(err as Error).message}`, { cause: err, reason: 'journal-write-failed' });
    }
    this.journalBytes += line.length;
    this.dit.apply(record);
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
