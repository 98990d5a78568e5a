/**
 * dirgate's client SDK: discovery, login (password, JWT, client certificate),
 * MFA (answer the TOTP query, enrol), session use (DSML with
 * `Basic sessionId:token`, picking up renewed tokens from
 * X-Dirgate-Session-Token), encrypted requests and responses with the
 * session's IBE key, the SSO hand-off and logoff, all as DESIGN section 3 puts
 * them on the wire. TLS is verified against the system CAs plus `ca`; there is
 * no option to turn verification off.
 *
 *   const client = new DirgateClient({ url: 'https://127.0.0.1:8443', app: 'mobile-demo', ca });
 *   const session = await client.loginWithPassword('alice', 'alice-pass');
 *   const people = await session.search('ou=people,o=example', { scope: 'one', encrypt: true });
 *   await session.logoff();
 */
import { Agent, request, type Dispatcher } from 'undici';
import type { Attribute, Entry, Filter, Modification, Scope } from '../directory/model.js';
import type { BackendName } from '../ibe/backend.js';
import { ClientCrypto } from './crypto.js';
import { batchRequestXml, DsmlAnswerError, encryptedDataOf, parseBatchResponse, soapEnvelope, type DsmlOperation, type DsmlOutcome } from './dsml.js';

export { DsmlAnswerError, parseBatchResponse, batchRequestXml, soapEnvelope, filterXml, type DsmlOperation, type DsmlOutcome } from './dsml.js';
export { ClientCrypto, type SessionKeyMaterial } from './crypto.js';

export const SESSION_TOKEN_HEADER = 'x-dirgate-session-token';

export interface ClientOptions {
  /** The firewall's (or, inside the deployment, the gateway's) base URL. */
  url: string;
  /** X-Dirgate-App. */
  app: string;
  /** X-Dirgate-App-Secret, where the application has one. */
  appSecret?: string;
  /** PEM CA certificate(s) trusted beside the system ones. */
  ca?: string | Buffer;
  /** PEM client certificate and key (certificate login, or an application certificate). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Pairing backend for encrypted payloads (default noble: pure JavaScript). */
  ibeBackend?: BackendName;
  timeoutMs?: number;
}

export interface Discovery {
  app: string;
  authMethods: string[];
  mfa: string;
  sessionIdleTimeout: number;
  sessionMaxLifetime: number;
  ibeMasterPublicKey: string;
  ibeSuite: string;
  gatewayIdentity: string;
}

export interface AuthQuery { typeId: string; provider: string; format: string; minLength: number; maxLength: number }

/** A DSML operation the gateway answered with something other than success. */
export class DirgateRequestError extends Error {
  constructor(message: string, readonly status: number, readonly outcome?: DsmlOutcome) {
    super(message);
    this.name = 'DirgateRequestError';
  }

  /** The LDAP result name or errorResponse type (`authenticationFailed`, `strongerAuthRequired`, ...). */
  get descr(): string | undefined {
    return this.outcome?.descr;
  }
}

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

function values(entry: Entry, type: string): string[] {
  const lower = type.toLowerCase();
  return entry.attributes.filter((a) => a.type.toLowerCase() === lower).flatMap((a) => a.values.map((v) => (typeof v === 'string' ? v : v.toString('utf8'))));
}

function one(entry: Entry, type: string): string | undefined {
  return values(entry, type)[0];
}

function basic(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`, 'utf8').toString('base64')}`;
}

/** The outcome of a single operation, or the error it carried. */
function expectSuccess(outcomes: DsmlOutcome[], status: number): DsmlOutcome {
  const o = outcomes[0];
  if (!o) throw new DirgateRequestError('the gateway answered no operation', status);
  if (o.kind === 'errorResponse' || (o.resultCode !== undefined && o.resultCode !== 0)) {
    throw new DirgateRequestError(`${o.kind}: ${o.descr ?? o.resultCode}${o.errorMessage ? ` (${o.errorMessage})` : ''}`, status, o);
  }
  return o;
}

export class DirgateClient {
  readonly options: ClientOptions;
  readonly #dispatcher: Dispatcher | undefined;
  #discovery: Promise<Discovery> | undefined;

  constructor(options: ClientOptions) {
    this.options = options;
    const url = new URL(options.url);
    this.#dispatcher = url.protocol === 'https:'
      ? new Agent({ connect: { ...(options.ca ? { ca: options.ca } : {}), ...(options.cert ? { cert: options.cert, key: options.key } : {}), minVersion: 'TLSv1.2' } })
      : undefined;
  }

  /** One HTTP exchange with the gateway. */
  async send(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
    const res = await request(new URL(path, this.options.url), {
      method,
      ...(this.#dispatcher ? { dispatcher: this.#dispatcher } : {}),
      headers: {
        'x-dirgate-app': this.options.app,
        ...(this.options.appSecret ? { 'x-dirgate-app-secret': this.options.appSecret } : {}),
        ...(body !== undefined ? { 'content-type': 'text/xml; charset=utf-8' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body } : {}),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
    });
    return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
  }

  /** A DSML batch in clear with the given Authorization (or none). */
  async dsml(ops: readonly DsmlOperation[], authorization?: string): Promise<{ outcomes: DsmlOutcome[]; answer: Answer }> {
    const answer = await this.send('POST', '/dsml', authorization ? { authorization } : {}, soapEnvelope(batchRequestXml(ops)));
    return { outcomes: this.#read(answer), answer };
  }

  #read(answer: Answer): DsmlOutcome[] {
    if (answer.status !== 200) {
      let detail = answer.body.slice(0, 200);
      try {
        parseBatchResponse(answer.body);
      } catch (err) {
        if (err instanceof DsmlAnswerError) detail = err.message;
      }
      throw new DirgateRequestError(`HTTP ${answer.status}: ${detail}`, answer.status);
    }
    return parseBatchResponse(answer.body);
  }

  /** The application's policy and the IBE parameters (no user credentials needed). */
  discover(): Promise<Discovery> {
    this.#discovery ??= (async () => {
      const { outcomes, answer } = await this.dsml([{ kind: 'search', baseDN: `cn=${this.options.app},ou=applications,o=gateway`, scope: 'base' }]);
      const e = expectSuccess(outcomes, answer.status).entries[0];
      if (!e) throw new DirgateRequestError('discovery returned no entry', answer.status);
      return {
        app: one(e, 'cn') ?? this.options.app,
        authMethods: values(e, 'authMethod'),
        mfa: one(e, 'mfa') ?? 'none',
        sessionIdleTimeout: Number(one(e, 'sessionIdleTimeout')),
        sessionMaxLifetime: Number(one(e, 'sessionMaxLifetime')),
        ibeMasterPublicKey: one(e, 'ibeMasterPublicKey') ?? '',
        ibeSuite: one(e, 'ibeSuite') ?? '',
        gatewayIdentity: one(e, 'gatewayIdentity') ?? '',
      };
    })();
    this.#discovery.catch(() => { this.#discovery = undefined; });
    return this.#discovery;
  }

  async #login(authorization: string | undefined): Promise<DirgateSession> {
    const { outcomes, answer } = await this.dsml([{ kind: 'search', baseDN: 'ou=sessions,o=gateway', scope: 'base' }], authorization);
    const entry = expectSuccess(outcomes, answer.status).entries[0];
    if (!entry) throw new DirgateRequestError('login returned no session', answer.status);
    const session = new DirgateSession(this, entry);
    await session.prepareCrypto();
    return session;
  }

  loginWithPassword(user: string, password: string): Promise<DirgateSession> {
    return this.#login(basic(user, password));
  }

  loginWithJwt(jwt: string): Promise<DirgateSession> {
    return this.#login(`Bearer ${jwt}`);
  }

  /** Login with the TLS client certificate given in the options. */
  loginWithCertificate(): Promise<DirgateSession> {
    return this.#login(undefined);
  }

  /** Takes up a session known from elsewhere (another app sharing it): a heartbeat reads its state. */
  async resume(sessionId: string, token: string): Promise<DirgateSession> {
    const session = new DirgateSession(this, { dn: `sessionId=${sessionId},ou=sessions,o=gateway`, attributes: [{ type: 'sessionId', values: [sessionId] }, { type: 'sessionToken', values: [token] }] });
    await session.heartbeat();
    return session;
  }

  /** The URL a browser opens for the SSO hand-off (it still needs the session's credentials). */
  ssoUrl(target: string): string {
    const url = new URL('/sso', this.options.url);
    url.searchParams.set('target', target);
    return url.href;
  }

  async close(): Promise<void> {
    await this.#dispatcher?.close();
  }
}

export interface SearchOptions {
  scope?: Scope;
  filter?: Filter;
  attributes?: string[];
  sizeLimit?: number;
  /** Encrypt the request to the gateway and ask for an encrypted answer (default: the session's setting). */
  encrypt?: boolean;
}

export class DirgateSession {
  readonly id: string;
  token: string;
  sessionKey: string | undefined;
  identity: string | undefined;
  expiresAt: string | undefined;
  idleTimeout: number | undefined;
  authQueries: AuthQuery[] = [];
  user: { dn?: string; uid?: string; cn?: string; mail?: string } = {};
  /** Encrypt every request and ask for encrypted answers. */
  encrypt = false;
  #crypto: ClientCrypto | undefined;

  constructor(readonly client: DirgateClient, entry: Entry) {
    const id = one(entry, 'sessionId');
    const token = one(entry, 'sessionToken');
    if (!id || !token) throw new DirgateRequestError('the session entry lacks sessionId or sessionToken', 200);
    this.id = id;
    this.token = token;
    this.#update(entry);
  }

  get dn(): string {
    return `sessionId=${this.id},ou=sessions,o=gateway`;
  }

  get mfaPending(): boolean {
    return this.authQueries.length > 0;
  }

  #update(entry: Entry): void {
    this.token = one(entry, 'sessionToken') ?? this.token;
    this.sessionKey = one(entry, 'sessionKey') ?? this.sessionKey;
    this.identity = one(entry, 'ibeIdentity') ?? this.identity;
    this.expiresAt = one(entry, 'expiresAt') ?? this.expiresAt;
    const idle = one(entry, 'idleTimeout');
    if (idle !== undefined) this.idleTimeout = Number(idle);
    this.authQueries = values(entry, 'authQueries').map((q) => JSON.parse(q) as AuthQuery);
    const dn = one(entry, 'entryDN');
    this.user = { ...this.user, ...(dn ? { dn } : {}), ...Object.fromEntries(['uid', 'cn', 'mail'].map((a) => [a, one(entry, a)]).filter(([, v]) => v !== undefined)) };
  }

  /** Verifies the session key against discovery's master public key, once the session has one. */
  async prepareCrypto(): Promise<void> {
    if (this.#crypto || !this.sessionKey || !this.identity) return;
    const d = await this.client.discover();
    this.#crypto = await ClientCrypto.open({
      masterPublicKey: d.ibeMasterPublicKey, gatewayIdentity: d.gatewayIdentity, identity: this.identity, sessionKey: this.sessionKey,
    }, this.client.options.ibeBackend);
  }

  get authorization(): string {
    return basic(this.id, this.token);
  }

  /** Sends a batch with the session's credentials; encrypted both ways when asked. */
  async batch(ops: readonly DsmlOperation[], options: { encrypt?: boolean } = {}): Promise<DsmlOutcome[]> {
    const encrypt = options.encrypt ?? this.encrypt;
    let body = batchRequestXml(ops);
    const headers: Record<string, string> = { authorization: this.authorization };
    if (encrypt) {
      await this.prepareCrypto();
      if (!this.#crypto) throw new DirgateRequestError('the session has no key yet (MFA outstanding)', 0);
      body = await this.#crypto.encrypt(body);
      headers['x-dirgate-encrypt'] = 'ibe';
    }
    const answer = await this.client.send('POST', '/dsml', headers, soapEnvelope(body));
    const renewed = answer.headers[SESSION_TOKEN_HEADER];
    if (typeof renewed === 'string' && renewed) this.token = renewed;
    if (answer.status === 200) {
      const sealed = encryptedDataOf(answer.body);
      if (sealed) {
        if (!this.#crypto) throw new DirgateRequestError('an encrypted answer arrived before the session had a key', answer.status);
        return parseBatchResponse(await this.#crypto.decrypt(sealed));
      }
    }
    if (answer.status !== 200) throw new DirgateRequestError(`HTTP ${answer.status}: ${answer.body.slice(0, 200)}`, answer.status);
    return parseBatchResponse(answer.body);
  }

  async #one(op: DsmlOperation, encrypt?: boolean): Promise<DsmlOutcome> {
    return expectSuccess(await this.batch([op], encrypt === undefined ? {} : { encrypt }), 200);
  }

  async search(baseDN: string, options: SearchOptions = {}): Promise<Entry[]> {
    const { encrypt, ...rest } = options;
    return (await this.#one({ kind: 'search', baseDN, ...rest }, encrypt)).entries;
  }

  async modify(dn: string, changes: Modification[], options: { encrypt?: boolean } = {}): Promise<void> {
    await this.#one({ kind: 'modify', dn, changes }, options.encrypt);
  }

  async add(dn: string, attributes: Attribute[], options: { encrypt?: boolean } = {}): Promise<void> {
    await this.#one({ kind: 'add', dn, attributes }, options.encrypt);
  }

  async delete(dn: string, options: { encrypt?: boolean } = {}): Promise<void> {
    await this.#one({ kind: 'delete', dn }, options.encrypt);
  }

  /** Resets the idle timer and reads the session as it stands (its key, once MFA is complete). */
  async heartbeat(): Promise<void> {
    const entry = (await this.#one({ kind: 'search', baseDN: this.dn, scope: 'base' }, false)).entries[0];
    if (!entry) throw new DirgateRequestError('the heartbeat returned no session', 200);
    this.#update(entry);
    await this.prepareCrypto();
  }

  /** Answers the outstanding TOTP query; on success the session is complete and the heartbeat fetches its key. */
  async answerTotp(code: string): Promise<void> {
    await this.#one({ kind: 'modify', dn: this.dn, changes: [{ operation: 'replace', attribute: { type: 'totp', values: [code] } }] }, false);
    await this.heartbeat();
  }

  /** Starts a TOTP enrolment: the otpauth URI for an authenticator app and the recovery codes (shown until verified). */
  async enrollTotp(): Promise<{ otpauthUri: string; recoveryCodes: string[] }> {
    await this.#one({ kind: 'add', dn: 'cn=mfa,ou=self,o=gateway', attributes: [{ type: 'objectClass', values: ['dirgateMfaEnrolment'] }] }, false);
    const status = await this.mfaStatus();
    return { otpauthUri: status.otpauthUri ?? '', recoveryCodes: status.recoveryCodes };
  }

  async mfaStatus(): Promise<{ isVerified: boolean; otpauthUri?: string; recoveryCodes: string[] }> {
    const e = (await this.#one({ kind: 'search', baseDN: 'cn=mfa,ou=self,o=gateway', scope: 'base' }, false)).entries[0];
    if (!e) throw new DirgateRequestError('no enrolment', 200);
    const uri = one(e, 'otpauthUri');
    return { isVerified: one(e, 'isVerified') === 'TRUE', ...(uri ? { otpauthUri: uri } : {}), recoveryCodes: values(e, 'recoveryCodes') };
  }

  /** Verifies the enrolment with a first code (which also answers a pending session's query). */
  async verifyTotpEnrollment(code: string): Promise<void> {
    await this.#one({ kind: 'modify', dn: 'cn=mfa,ou=self,o=gateway', changes: [{ operation: 'replace', attribute: { type: 'totp', values: [code] } }] }, false);
    await this.heartbeat();
  }

  async removeTotp(): Promise<void> {
    await this.#one({ kind: 'delete', dn: 'cn=mfa,ou=self,o=gateway' }, false);
  }

  /** The caller's own virtual entry. */
  async whoami(options: { encrypt?: boolean } = {}): Promise<Entry | undefined> {
    return (await this.#one({ kind: 'search', baseDN: 'ou=self,o=gateway', scope: 'base' }, options.encrypt)).entries[0];
  }

  /**
   * The SSO hand-off: asks GET /sso with the session's credentials and returns
   * where the gateway redirects and the cookie it sets (status 302), without
   * following the redirect.
   */
  async sso(target: string): Promise<{ status: number; location?: string; setCookie?: string }> {
    const url = new URL(this.client.ssoUrl(target));
    const answer = await this.client.send('GET', `${url.pathname}${url.search}`, { authorization: this.authorization });
    const location = answer.headers.location;
    const cookie = answer.headers['set-cookie'];
    return {
      status: answer.status,
      ...(typeof location === 'string' ? { location } : {}),
      ...(cookie ? { setCookie: Array.isArray(cookie) ? cookie[0] : cookie } : {}),
    };
  }

  /** Common logoff: the session ends for every application sharing it, and its key is revoked. */
  async logoff(): Promise<void> {
    await this.#one({ kind: 'delete', dn: this.dn }, false);
  }
}
