/**
 * Operational attributes the embedded directory keeps for every entry, in
 * OpenLDAP's forms, so the virtual directory's change detection (it polls
 * modifyTimestamp and the suffix's contextCSN) works the same against both.
 */

/** Attributes a client may read (with `+` or by name) but never write. */
export const OPERATIONAL_TYPES = [
  'entryDN', 'entryUUID', 'createTimestamp', 'modifyTimestamp', 'creatorsName', 'modifiersName',
  'hasSubordinates', 'contextCSN', 'structuralObjectClass', 'subschemaSubentry',
] as const;
const OPERATIONAL_KEYS = new Set(OPERATIONAL_TYPES.map((t) => t.toLowerCase()));
export const OPERATIONAL_NAME = new Map(OPERATIONAL_TYPES.map((t) => [t.toLowerCase(), t]));

export function isOperational(key: string): boolean {
  return OPERATIONAL_KEYS.has(key.toLowerCase());
}

/** GeneralizedTime with second precision, as OpenLDAP writes modifyTimestamp. */
export function generalizedTime(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

export type Clock = () => Date;

/**
 * Change sequence numbers in OpenLDAP's form
 * (`YYYYmmddHHMMSS.uuuuuuZ#count#sid#mod`): strictly increasing within a
 * suffix even when the wall clock stands still or steps back.
 */
export class CsnGenerator {
  private lastStamp = '';
  private count = 0;

  constructor(private readonly clock: Clock, last?: string) {
    if (last) this.observe(last);
  }

  /** Makes sure every later CSN sorts after `csn` (one read back from disk). */
  observe(csn: string): void {
    const [stamp, count] = csn.split('#');
    if (!stamp) return;
    const n = parseInt(count ?? '0', 16) || 0;
    if (stamp > this.lastStamp || (stamp === this.lastStamp && n > this.count)) {
      this.lastStamp = stamp;
      this.count = n;
    }
  }

  next(): string {
    const now = this.clock();
    const iso = now.toISOString();
    const micros = `${iso.slice(20, 23)}000`;
    let stamp = `${generalizedTime(now).slice(0, 14)}.${micros}Z`;
    if (stamp > this.lastStamp) {
      this.lastStamp = stamp;
      this.count = 0;
    } else {
      stamp = this.lastStamp;
      this.count += 1;
    }
    return `${stamp}#${this.count.toString(16).padStart(6, '0')}#000#000000`;
  }
}
