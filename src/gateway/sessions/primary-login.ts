/**
 * Primary authentication: who a user name and password, a Bearer JWT, or the
 * client certificate the firewall verified name, and whether they may log in.
 *
 *   check                         | password | jwt | certificate
 *   ------------------------------+----------+-----+------------
 *   login name not locked         |   yes    |  -  |     -
 *   credentials verified          |   bind   | sig | firewall
 *   user found in the view        |   yes    | yes |    yes
 *   user's DN not locked (MFA)    |   yes    | yes |    yes
 *   user not suspended (SPML)     |   yes    | yes |    yes
 *
 * Password failures are counted under the login name whether or not such a
 * user exists, and every refusal is ERR_AUTHENTICATION_FAILED (a lock is
 * ERR_ACCOUNT_LOCKED, shown to the client the same way) with its own reason
 * for the log only.
 */
import type { Entry } from '../../directory/model.js';
import { parseDn } from '../../directory/dn.js';
import { DirgateError } from '../../errors.js';
import type { JwtVerifier } from '../../sessions/jwt.js';
import type { LockoutStore } from '../../sessions/lockout.js';
import { findUserBy, suspended, type SuspendRule, type UserDirectory } from './users.js';

export interface CertificateMapping {
  /** The subject RDN attribute whose value names the user (`CN`, `UID`, an OID). */
  subjectAttribute: string;
  /** The view attribute that value is matched against. */
  userAttribute: string;
}

export const DEFAULT_CERTIFICATE_MAPPING: CertificateMapping = { subjectAttribute: 'UID', userAttribute: 'uid' };

export interface PrimaryLoginDeps {
  view: UserDirectory;
  /** The view suffixes searched for JWT and certificate users. */
  suffixes: readonly string[];
  lockout: LockoutStore;
  jwt: JwtVerifier;
  suspendRules: readonly SuspendRule[];
  certificate: CertificateMapping;
}

export interface PrimaryIdentity {
  user: Entry;
  /** What the user logged in as (the name typed, the JWT claim value, the certificate value). */
  loginName: string;
}

function fail(reason: string, cause?: unknown): DirgateError {
  return new DirgateError('ERR_AUTHENTICATION_FAILED', 'authentication failed', { reason, ...(cause ? { cause } : {}) });
}

function isAuthFailure(err: unknown): boolean {
  return err instanceof DirgateError && (err.code === 'ERR_AUTHENTICATION_FAILED' || err.code === 'ERR_ACCOUNT_LOCKED');
}

export class PrimaryLogin {
  constructor(private readonly deps: PrimaryLoginDeps) {}

  /**
   * MFA failures are counted under the DN: a lock there holds whatever the
   * login method. A password login checked it before the bind, so it passes
   * `dnChecked` rather than read the same record a second time.
   */
  async #admit(user: Entry, loginName: string, dnChecked = false): Promise<PrimaryIdentity> {
    if (!dnChecked) await this.deps.lockout.assertNotLocked(user.dn);
    if (suspended(user, this.deps.suspendRules)) throw fail('account-suspended');
    return { user, loginName };
  }

  /**
   * The steps a wrong password takes between finding the user and counting
   * the failure (a lock-out read under a DN, a bind), taken for a name that
   * found nobody, so the refusal does not come back measurably sooner.
   */
  async #asIfWrongPassword(name: string, password: string): Promise<void> {
    try {
      await this.deps.lockout.assertNotLocked(`decoy:${name}`);
    } catch {
      // Nobody's record: whatever it says changes nothing.
    }
    await this.deps.view.checkDecoyPassword?.(password);
  }

  async password(name: string, password: string, requestId: string): Promise<PrimaryIdentity> {
    const { lockout, view } = this.deps;
    await lockout.assertNotLocked(name);
    const user = password ? await view.resolveUser(name) : undefined;
    if (!user) {
      if (password) await this.#asIfWrongPassword(name, password);
      await lockout.recordFailure(name);
      throw fail(password ? 'user-unknown' : 'password-empty');
    }
    // Before the bind, so a DN locked by MFA failures never has its password tried (nor counted).
    await lockout.assertNotLocked(user.dn);
    try {
      await view.bind(user.dn, password, { requestId, principal: { service: true } });
    } catch (err) {
      if (!isAuthFailure(err)) throw err;
      await lockout.recordFailure(name);
      throw fail('password-invalid', err);
    }
    const admitted = await this.#admit(user, name, true);
    await lockout.recordSuccess(name);
    return admitted;
  }

  async jwt(token: string): Promise<PrimaryIdentity> {
    const login = await this.deps.jwt.verify(token);
    const user = login.userAttribute.toLowerCase() === 'uid'
      ? await this.deps.view.resolveUser(login.userValue)
      : await findUserBy(this.deps.view, this.deps.suffixes, login.userAttribute, login.userValue);
    if (!user) throw fail('jwt-user-unknown');
    return this.#admit(user, login.userValue);
  }

  async certificate(subject: string): Promise<PrimaryIdentity> {
    const { subjectAttribute, userAttribute } = this.deps.certificate;
    let value: string | undefined;
    try {
      const wanted = subjectAttribute.toLowerCase();
      value = parseDn(subject).flat().find((ava) => ava.type.toLowerCase() === wanted)?.value;
    } catch (err) {
      throw fail('certificate-subject-malformed', err);
    }
    if (!value) throw fail('certificate-user-unknown');
    const user = await findUserBy(this.deps.view, this.deps.suffixes, userAttribute, value);
    if (!user) throw fail('certificate-user-unknown');
    return this.#admit(user, value);
  }
}
