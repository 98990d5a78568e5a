/**
 * Client address allow and deny lists (IPv4 and IPv6, CIDR), on node:net's
 * BlockList. Deny wins; an allow list, when present, must match. IPv4-mapped
 * IPv6 addresses (::ffff:a.b.c.d) are judged as the IPv4 address they carry.
 */
import { BlockList, isIP } from 'node:net';
import { parseCidr } from './settings.js';

function blockList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const cidr = parseCidr(entry);
    // Configuration validation has already refused entries that do not parse.
    if (cidr) list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return list;
}

/** `::ffff:127.0.0.1` -> `127.0.0.1`; other addresses unchanged. */
export function normalizeIp(address: string): string {
  const lower = address.toLowerCase();
  if (lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4) return lower.slice(7);
  return lower;
}

const MAX_REMEMBERED = 10_000;

export class IpRules {
  private readonly allow: BlockList | undefined;
  private readonly deny: BlockList | undefined;
  // The lists never change, so each address's answer is remembered (BlockList.check builds objects per call).
  private readonly decided = new Map<string, boolean>();

  constructor(lists: { allow?: readonly string[]; deny?: readonly string[] }) {
    this.allow = lists.allow ? blockList(lists.allow) : undefined;
    this.deny = lists.deny?.length ? blockList(lists.deny) : undefined;
  }

  /** Whether `address` (already normalized) may be served. */
  permits(address: string): boolean {
    if (!this.allow && !this.deny) return true;
    const known = this.decided.get(address);
    if (known !== undefined) return known;
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    const ok = !this.deny?.check(address, family) && (this.allow ? this.allow.check(address, family) : true);
    if (this.decided.size >= MAX_REMEMBERED) this.decided.clear();
    this.decided.set(address, ok);
    return ok;
  }
}
