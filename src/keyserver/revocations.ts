/**
 * Revoked IBE identities, shared by every key server process: after a logoff
 * (or an idle or maximum timeout) the key server refuses to extract a key for
 * the session's identity again, whichever process is asked.
 *
 * - ldapRevocationStore keeps one entry per revoked identity in the extended
 *   profile, named by the SHA-256 of the identity (the identity embeds a
 *   per-session secret, which never leaves the key server's memory), with the
 *   identity's expiry so that entries past it can be swept.
 * - cachedRevocationStore makes checks cheap: a "revoked" answer is final and
 *   kept; a "not revoked" answer is reused for at most `cacheMs`, which bounds
 *   how late a revocation made by another process is seen (plus the directory's
 *   own replication delay). Concurrent checks of one identity share one read.
 * - memoryRevocationStore serves a single process (development, `dirgate start`
 *   without a profile).
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Attribute, Filter, OperationResult, SearchRequest } from '../directory/model.js';
import type { LdapSource } from '../directory/sources/types.js';
import { DirgateError, errorCodeForLdapResult, LDAP_RESULT } from '../errors.js';

export interface RevocationStore {
  /** Records the revocation; `expiresAt` (Unix seconds) is the identity's own expiry, after which the record may go. */
  revoke(identity: string, expiresAt: number): Promise<void>;
  isRevoked(identity: string): Promise<boolean>;
}

/** The name a revocation is kept under: the identity itself never leaves the key server. */
export function identityHash(identity: string): string {
  return createHash('sha256').update(identity, 'utf8').digest('hex');
}

export function memoryRevocationStore(clock: () => number = Date.now): RevocationStore & { purgeExpired(): Promise<number> } {
  const revoked = new Map<string, number>();
  return {
    async revoke(identity, expiresAt) { revoked.set(identityHash(identity), expiresAt); },
    async isRevoked(identity) { return revoked.has(identityHash(identity)); },
    async purgeExpired() {
      let purged = 0;
      for (const [hash, expiresAt] of revoked) {
        if (expiresAt * 1000 <= clock()) { revoked.delete(hash); purged += 1; }
      }
      return purged;
    },
  };
}

export interface LdapRevocationStoreOptions {
  /** The container, e.g. `ou=ibe-revocations,ou=dirgate,dc=corp,dc=example`; created (with missing `ou=` parents) on first use. */
  baseDn: string;
  clock?: () => number;
}

function check(result: OperationResult, what: string): void {
  if (result.resultCode !== LDAP_RESULT.success) {
    throw new DirgateError(errorCodeForLdapResult(result.resultCode), `${what}: LDAP result ${result.resultCode}`, { ldapCode: result.resultCode });
  }
}

function isCode(err: unknown, code: string): boolean {
  return err instanceof DirgateError && err.code === code;
}

const PRESENT: Filter = { type: 'present', attribute: 'objectClass' };

function searchRequest(baseDN: string, scope: 'base' | 'one', filter: Filter, attributes: string[]): SearchRequest {
  return { baseDN, scope, derefAliases: 'never', sizeLimit: 0, timeLimit: 0, typesOnly: false, filter, attributes, controls: [] };
}

export function ldapRevocationStore(source: LdapSource, options: LdapRevocationStoreOptions): RevocationStore & { purgeExpired(): Promise<number> } {
  const container = options.baseDn;
  const clock = options.clock ?? Date.now;
  let containerReady: Promise<void> | undefined;

  /** Creates `dn` as an organizationalUnit, and its parents down from the source's base when they are missing. */
  async function ensureOu(dn: string): Promise<void> {
    const [rdn, ...rest] = dn.split(/(?<!\\),/);
    const match = /^ou=(.+)$/i.exec(rdn ?? '');
    if (!match) throw new DirgateError('ERR_CONFIG_INVALID', `the revocation container ${dn} must be named ou=...`, { reason: 'revocation-container-invalid' });
    const attributes: Attribute[] = [
      { type: 'objectClass', values: ['top', 'organizationalUnit'] },
      { type: 'ou', values: [match[1]!.replace(/\\(.)/g, '$1')] },
    ];
    try {
      check(await source.add({ dn, attributes, controls: [] }), `creating ${dn}`);
    } catch (err) {
      if (isCode(err, 'ERR_ALREADY_EXISTS')) return;
      if (isCode(err, 'ERR_NO_SUCH_OBJECT') && rest.length > 0 && dn.toLowerCase() !== source.baseDn.toLowerCase()) {
        await ensureOu(rest.join(','));
        return ensureOu(dn);
      }
      throw err;
    }
  }

  function ready(): Promise<void> {
    containerReady ??= ensureOu(container).catch((err) => { containerReady = undefined; throw err; });
    return containerReady;
  }

  async function exists(dn: string): Promise<boolean> {
    try {
      for await (const event of source.search(searchRequest(dn, 'base', PRESENT, ['1.1']))) {
        if (event.kind === 'entry') return true;
        if (event.kind === 'done' && event.result.resultCode !== LDAP_RESULT.success && event.result.resultCode !== LDAP_RESULT.noSuchObject) {
          check(event.result, `reading ${dn}`);
        }
      }
      return false;
    } catch (err) {
      if (isCode(err, 'ERR_NO_SUCH_OBJECT')) return false;
      throw err;
    }
  }

  return {
    async revoke(identity, expiresAt) {
      const hash = identityHash(identity);
      const dn = `cn=${hash},${container}`;
      // dirgateRecord (schemas/ldap/dirgate.ldif): the expiry as an indexed integer, the rest as JSON.
      const attributes: Attribute[] = [
        { type: 'objectClass', values: ['top', 'dirgateRecord'] },
        { type: 'cn', values: [hash] },
        { type: 'dirgateRevision', values: ['1'] },
        { type: 'dirgateExpiresAt', values: [String(expiresAt * 1000)] },
        { type: 'dirgateData', values: [JSON.stringify({ kind: 'ibe-revocation', expiresAt })] },
      ];
      await ready();
      try {
        check(await source.add({ dn, attributes, controls: [] }), `revoking ${dn}`);
      } catch (err) {
        if (isCode(err, 'ERR_ALREADY_EXISTS')) return;
        if (isCode(err, 'ERR_NO_SUCH_OBJECT')) {
          // The container went away (a directory restore): make it again once.
          containerReady = undefined;
          await ready();
          check(await source.add({ dn, attributes, controls: [] }), `revoking ${dn}`);
          return;
        }
        throw err;
      }
    },

    isRevoked: (identity) => exists(`cn=${identityHash(identity)},${container}`),

    /** Deletes revocations of identities past their expiry (they are refused by expiry anyway). */
    async purgeExpired() {
      const filter: Filter = { type: 'lessOrEqual', attribute: 'dirgateExpiresAt', value: String(clock()) };
      const dns: string[] = [];
      try {
        for await (const event of source.search(searchRequest(container, 'one', filter, ['1.1']))) {
          if (event.kind === 'entry') dns.push(event.entry.dn);
        }
      } catch (err) {
        if (isCode(err, 'ERR_NO_SUCH_OBJECT')) return 0;
        throw err;
      }
      let purged = 0;
      for (const dn of dns) {
        try {
          check(await source.delete({ dn, controls: [] }), `purging ${dn}`);
          purged += 1;
        } catch (err) {
          // Another key server purged it first.
          if (!isCode(err, 'ERR_NO_SUCH_OBJECT')) throw err;
        }
      }
      return purged;
    },
  };
}

export interface CachedRevocationStoreOptions {
  /** How long a "not revoked" answer is reused (ms); 0 reads the store every time. */
  cacheMs: number;
  /** Identities remembered (default 100000). */
  max?: number;
  clock?: () => number;
}

export function cachedRevocationStore(inner: RevocationStore, options: CachedRevocationStoreOptions): RevocationStore {
  const clock = options.clock ?? Date.now;
  // hash -> true (revoked: final) or the time a "not revoked" answer was read.
  const answers = new LRUCache<string, { revoked: true } | { readAt: number }>({ max: options.max ?? 100_000 });
  const reads = new Map<string, Promise<boolean>>();
  return {
    async revoke(identity, expiresAt) {
      await inner.revoke(identity, expiresAt);
      answers.set(identityHash(identity), { revoked: true });
    },
    async isRevoked(identity) {
      const hash = identityHash(identity);
      const known = answers.get(hash);
      if (known && 'revoked' in known) return true;
      if (known && clock() - known.readAt < options.cacheMs) return false;
      let read = reads.get(hash);
      if (!read) {
        const startedAt = clock();
        read = inner.isRevoked(identity).then((revoked) => {
          // A revocation recorded here while the read was in flight wins over its answer.
          const now = answers.get(hash);
          if (now && 'revoked' in now) return true;
          answers.set(hash, revoked ? { revoked: true } : { readAt: startedAt });
          return revoked;
        }).finally(() => reads.delete(hash));
        reads.set(hash, read);
      }
      return read;
    },
  };
}
