/**
 * The master secret at rest: generated once, sealed with AES-256-GCM under the
 * key-encryption key (configuration `keyserver.kek` or DIRGATE_KEYSERVER_KEK)
 * in <dataDir>/keyserver/master.sealed, mode 0600. The file's header (format,
 * suite, master public key) is authenticated as associated data, so neither the
 * public key nor the suite can be swapped under a valid seal. A wrong KEK is
 * detected and refused with a message that says so; nothing falls back to
 * generating a new master key over an existing file.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { IBE_SUITE } from '../ibe/constants.js';
import type { Ibe } from '../ibe/ibe.js';

const FORMAT = 'dirgate-ibe-master-key-v1';

export class MasterKeyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MasterKeyError';
  }
}

export interface MasterKey {
  masterSecret: Uint8Array;
  masterPublicKey: Uint8Array;
  file: string;
  /** True when this call generated the key. */
  created: boolean;
}

interface SealedFile {
  format: string;
  suite: string;
  masterPublicKey: string;
  createdAt: string;
  /** base64(IV[12] || ciphertext || tag[16]) */
  sealed: string;
}

export function masterKeyFile(dataDir: string): string {
  return path.join(dataDir, 'keyserver', 'master.sealed');
}

export function parseKek(kek: string | undefined): Buffer {
  if (!kek) {
    throw new MasterKeyError('the key server needs a key-encryption key: set DIRGATE_KEYSERVER_KEK (or keyserver.kek) to 64 hex digits, e.g. from `openssl rand -hex 32`');
  }
  if (!/^[0-9a-fA-F]{64}$/.test(kek)) throw new MasterKeyError('the key-encryption key must be 64 hex digits (32 bytes)');
  return Buffer.from(kek, 'hex');
}

function associatedData(f: Pick<SealedFile, 'format' | 'suite' | 'masterPublicKey'>): Buffer {
  return Buffer.from(JSON.stringify([f.format, f.suite, f.masterPublicKey]), 'utf8');
}

function seal(kek: Buffer, masterSecret: Uint8Array, masterPublicKey: Uint8Array): SealedFile {
  const header = { format: FORMAT, suite: IBE_SUITE, masterPublicKey: Buffer.from(masterPublicKey).toString('base64') };
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(associatedData(header));
  const body = Buffer.concat([cipher.update(masterSecret), cipher.final()]);
  return { ...header, createdAt: new Date().toISOString(), sealed: Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64') };
}

function unseal(kek: Buffer, f: SealedFile, file: string): Buffer {
  const sealed = Buffer.from(f.sealed, 'base64');
  if (sealed.length !== 12 + 32 + 16) throw new MasterKeyError(`${file} is damaged (sealed value of the wrong length)`);
  const decipher = createDecipheriv('aes-256-gcm', kek, sealed.subarray(0, 12));
  decipher.setAAD(associatedData(f));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]);
  } catch (err) {
    throw new MasterKeyError(
      `the key-encryption key does not open ${file}: DIRGATE_KEYSERVER_KEK (or keyserver.kek) is not the one the master key was sealed with, or the file was altered`,
      { cause: err },
    );
  }
}

async function readSealed(file: string): Promise<SealedFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MasterKeyError(`${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
  }
  const mode = (await stat(file)).mode & 0o777;
  if (mode & 0o077) throw new MasterKeyError(`${file} is readable by others (mode ${mode.toString(8)}): chmod 600 it`);
  let parsed: SealedFile;
  try {
    parsed = JSON.parse(text) as SealedFile;
  } catch (err) {
    throw new MasterKeyError(`${file} is damaged (not JSON)`, { cause: err });
  }
  if (parsed.format !== FORMAT) throw new MasterKeyError(`${file} has an unknown format "${String(parsed.format)}"`);
  if (parsed.suite !== IBE_SUITE) throw new MasterKeyError(`${file} holds a key for another suite "${String(parsed.suite)}"`);
  return parsed;
}

/**
 * Creates the file whole or not at all, mode 0600 from the start: written to a
 * temporary name, then hard-linked into place, which fails with EEXIST when
 * another process created it first (a rename would silently replace theirs).
 */
async function createSealed(file: string, content: SealedFile): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await chmod(temporary, 0o600);
    await link(temporary, file);
  } finally {
    await unlink(temporary);
  }
}

/** Opens the sealed master key, or generates and seals one when there is none yet. */
export async function loadOrCreateMasterKey(dataDir: string, kekText: string | undefined, ibe: Ibe): Promise<MasterKey> {
  const kek = parseKek(kekText);
  const file = masterKeyFile(dataDir);
  const existing = await readSealed(file);
  if (existing) {
    const masterSecret = unseal(kek, existing, file);
    const masterPublicKey = ibe.masterPublicKey(masterSecret);
    if (Buffer.from(masterPublicKey).toString('base64') !== existing.masterPublicKey) {
      throw new MasterKeyError(`${file} is inconsistent: its master public key does not match its secret`);
    }
    return { masterSecret, masterPublicKey, file, created: false };
  }
  const { masterSecret, masterPublicKey } = ibe.setup();
  try {
    await createSealed(file, seal(kek, masterSecret, masterPublicKey));
  } catch (err) {
    // Another process may have created it first: use theirs, never overwrite.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateMasterKey(dataDir, kekText, ibe);
    throw err;
  }
  return { masterSecret, masterPublicKey, file, created: true };
}

/** Re-seals the master key under a new KEK (KEK rotation); the master key itself, and so every identity key, stays valid. */
export async function resealMasterKey(dataDir: string, oldKek: string, newKek: string, ibe: Ibe): Promise<void> {
  const { masterSecret, masterPublicKey, file } = await loadOrCreateMasterKey(dataDir, oldKek, ibe);
  const content = seal(parseKek(newKek), masterSecret, masterPublicKey);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
}
