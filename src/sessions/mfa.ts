/**
 * TOTP enrolments in the extended profile (`ou=mfa,<base>`, one entry per
 * user). Enrolment makes a secret and ten recovery codes; the codes are shown
 * by searches only until the enrolment is verified (kept sealed until then),
 * after which only their hashes remain. Checking a code is a compare-and-swap
 * on the entry, so a code (or a recovery code) accepted on one replica is a
 * replay on every other.
 */
import { createHmac } from 'node:crypto';
import { DirgateError } from '../errors.js';
import type { ProfileEntries } from './profile-entries.js';
import { generateRecoveryCodes, matchRecoveryCode } from './recovery-codes.js';
import { createRecord, deleteRecord, ensureContainer, mutateRecord, readRecord, updateRecord } from './records.js';
import type { Sealer } from './seal.js';
import { checkTotp, generateTotpSecret, otpauthUri, TOTP_DEFAULTS, type TotpParameters } from './totp.js';

interface MfaData {
  user: string;
  /** Base32. The profile container must be readable by the gateway's service account only. */
  secret: string;
  verified: boolean;
  createdAt: number;
  account: string;
  issuer: string;
  /** Time step of the last code accepted. */
  lastStep?: number;
  recoveryHashes: string[];
  /** The recovery codes in clear, sealed, until the enrolment is verified. */
  pendingCodes?: string;
}

export interface MfaStatus {
  isVerified: boolean;
  /** Only until verified. */
  otpauthUri?: string;
  /** Only until verified. */
  recoveryCodes?: string[];
}

export type MfaCheck = { ok: true; method: 'totp' | 'recovery-code' } | { ok: false; reason: 'totp-invalid' | 'totp-replayed' | 'mfa-not-enrolled' };

export interface MfaStoreOptions {
  entries: ProfileEntries;
  sealer: Sealer;
  /** Keys the entry names (a user's DN is not put in the entry's name). */
  nameKey: string;
  /** Shown in authenticator apps. */
  issuer?: string;
  clock?: () => number;
  totp?: Partial<TotpParameters>;
}

export class MfaStore {
  readonly containerDn: string;
  readonly #o: MfaStoreOptions;
  readonly #clock: () => number;
  readonly #params: TotpParameters;
  #ready: Promise<void> | undefined;

  constructor(options: MfaStoreOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
    this.#params = { ...TOTP_DEFAULTS, ...options.totp };
    this.containerDn = `ou=mfa,${options.entries.baseDn}`;
  }

  #dn(user: string): string {
    const id = createHmac('sha256', this.#o.nameKey).update(user.toLowerCase().replace(/\s*,\s*/g, ',')).digest('hex').slice(0, 40);
    return `cn=${id},${this.containerDn}`;
  }

  #ensure(): Promise<void> {
    this.#ready ??= ensureContainer(this.#o.entries, this.#o.entries.baseDn).then(() => ensureContainer(this.#o.entries, this.containerDn))
      .catch((err) => { this.#ready = undefined; throw err; });
    return this.#ready;
  }

  #uri(d: MfaData): string {
    return otpauthUri(d.secret, d.account, d.issuer, this.#params);
  }

  /**
   * Starts an enrolment (replacing one not yet verified). Returns the URI and
   * the recovery codes; a verified enrolment must be deleted first.
   */
  async enroll(user: string, account: string): Promise<{ otpauthUri: string; recoveryCodes: string[] }> {
    await this.#ensure();
    const dn = this.#dn(user);
    const { codes, hashes } = generateRecoveryCodes();
    const data: MfaData = {
      user, secret: generateTotpSecret(), verified: false, createdAt: this.#clock(), account,
      issuer: this.#o.issuer ?? 'dirgate', recoveryHashes: hashes, pendingCodes: this.#o.sealer.seal(JSON.stringify(codes)),
    };
    const existing = await readRecord<MfaData>(this.#o.entries, dn);
    if (existing?.data.verified) throw new DirgateError('ERR_ALREADY_EXISTS', 'TOTP is already enrolled; delete it first', { reason: 'mfa-already-enrolled' });
    const written = existing
      ? await updateRecord(this.#o.entries, existing, data, { user })
      : await createRecord(this.#o.entries, dn, [{ type: 'cn', values: [dn.slice(3, dn.indexOf(','))] }], 'dirgateRecord', data, { user });
    if (!written) throw new DirgateError('ERR_BUSY', 'a concurrent enrolment is in progress', { reason: 'store-contention' });
    return { otpauthUri: this.#uri(data), recoveryCodes: codes };
  }

  /** An enrolment made elsewhere (the demo's bob): verified at once, no recovery codes. */
  async importEnrolment(user: string, secretBase32: string, account = user): Promise<void> {
    await this.#ensure();
    const dn = this.#dn(user);
    const data: MfaData = {
      user, secret: secretBase32.toUpperCase().replace(/\s+/g, ''), verified: true, createdAt: this.#clock(), account,
      issuer: this.#o.issuer ?? 'dirgate', recoveryHashes: [],
    };
    const existing = await readRecord<MfaData>(this.#o.entries, dn);
    if (existing) await updateRecord(this.#o.entries, existing, data, { user });
    else await createRecord(this.#o.entries, dn, [{ type: 'cn', values: [dn.slice(3, dn.indexOf(','))] }], 'dirgateRecord', data, { user });
  }

  async status(user: string): Promise<MfaStatus | undefined> {
    const record = await readRecord<MfaData>(this.#o.entries, this.#dn(user));
    if (!record) return undefined;
    const d = record.data;
    if (d.verified) return { isVerified: true };
    return {
      isVerified: false,
      otpauthUri: this.#uri(d),
      recoveryCodes: d.pendingCodes ? (JSON.parse(this.#o.sealer.open(d.pendingCodes)) as string[]) : [],
    };
  }

  async isEnrolled(user: string): Promise<boolean> {
    return (await this.status(user))?.isVerified === true;
  }

  /** Verifies a pending enrolment with a first code; the recovery codes stop being shown. */
  async verify(user: string, code: string): Promise<MfaCheck> {
    let result: MfaCheck = { ok: false, reason: 'mfa-not-enrolled' };
    await mutateRecord<MfaData>(this.#o.entries, this.#dn(user), (d) => {
      if (d.verified) { result = { ok: false, reason: 'mfa-not-enrolled' }; return undefined; }
      const check = checkTotp(d.secret, code, this.#clock(), d.lastStep, this.#params);
      if (!check.ok) { result = check; return undefined; }
      result = { ok: true, method: 'totp' };
      const { pendingCodes: _dropped, ...rest } = d;
      return { data: { ...rest, verified: true, lastStep: check.step }, ix: { user } };
    });
    return result;
  }

  /** Checks a TOTP code, or a recovery code (which is then used up), against a verified enrolment. */
  async check(user: string, code: string): Promise<MfaCheck> {
    let result: MfaCheck = { ok: false, reason: 'mfa-not-enrolled' };
    await mutateRecord<MfaData>(this.#o.entries, this.#dn(user), (d) => {
      if (!d.verified) { result = { ok: false, reason: 'mfa-not-enrolled' }; return undefined; }
      if (typeof code === 'string' && /^\d+$/.test(code)) {
        const check = checkTotp(d.secret, code, this.#clock(), d.lastStep, this.#params);
        if (!check.ok) { result = check; return undefined; }
        result = { ok: true, method: 'totp' };
        return { data: { ...d, lastStep: check.step }, ix: { user } };
      }
      const used = matchRecoveryCode(code, d.recoveryHashes);
      if (!used) { result = { ok: false, reason: 'totp-invalid' }; return undefined; }
      result = { ok: true, method: 'recovery-code' };
      return { data: { ...d, recoveryHashes: d.recoveryHashes.filter((h) => h !== used) }, ix: { user } };
    });
    return result;
  }

  async remove(user: string): Promise<boolean> {
    return deleteRecord(this.#o.entries, this.#dn(user));
  }
}
