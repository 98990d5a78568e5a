/**
 * POST /dsml. The pipeline, one step a line:
 *
 *   step                  | anonymous (discovery) | user credentials | session
 *   ----------------------+-----------------------+------------------+---------
 *   authenticate caller   |          yes          |       yes        |   yes
 *   decrypt request       |           -           |        -         | if EncryptedData
 *   credentials required  |  401 unless every op  |        -         |    -
 *                         |  is a discovery read  |                  |
 *   run batch (authorized |          yes          |       yes        |   yes
 *   directory, o=gateway) |                       |                  |
 *   encrypt response      |           -           |        -         | if asked or required
 *
 * Wrong credentials still get a batchResponse (HTTP 200) whose operations each
 * answer authenticationFailed, as DESIGN section 3 requires; only missing
 * credentials earn a 401.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Directory, OperationContext, Principal } from '../../directory/model.js';
import { DirgateError, toDirgateError } from '../../errors.js';
import type { Logger } from '../../log.js';
import {
  type DsmlConfig, type DsmlSessionStore, faultForError, handleDsmlRequest,
  handleDsmlRequestStream, parseDsmlDocument,
} from '../../dsml/index.js';
import { isUnder } from '../../directory/dn.js';
import type { AuthenticatedCaller, CallerAuthenticator, GatewayRequest, PayloadCrypto } from '../caller.js';
import { FailingDirectory } from '../failing-directory.js';

export interface DsmlRouteDeps {
  directory: Directory;
  authenticator: CallerAuthenticator;
  crypto?: PayloadCrypto;
  sessions: DsmlSessionStore;
  config: DsmlConfig;
  log: Logger;
  /** Maps an authRequest principal (DSML proxied authorisation) to who the rest of the batch runs as. */
  resolveAuthRequest?: (principal: string, ctx: OperationContext) => Promise<Principal>;
}

const DISCOVERY_BASE = 'ou=applications,o=gateway';

/** True when every operation of the document is a search under the discovery branch. */
function onlyDiscovery(body: Buffer, config: DsmlConfig, contentType: string | undefined): boolean {
  try {
    const doc = parseDsmlDocument(body, { config, contentType });
    return doc.batch.operations.length > 0
      && doc.batch.operations.every((op) => op.kind === 'search' && isUnder(op.request.baseDN, DISCOVERY_BASE));
  } catch {
    // A document that does not parse is answered by the DSML handler with its Fault.
    return true;
  }
}

export function gatewayRequest(req: Request, res: Response): GatewayRequest {
  const hop = (req as Request & { dirgateHop?: { clientIp?: string; clientCertSubject?: string; appAuth?: string } }).dirgateHop;
  return {
    headers: req.headers,
    clientIp: hop?.clientIp ?? req.socket.remoteAddress,
    clientCertSubject: hop?.clientCertSubject,
    appAuth: hop?.appAuth,
    requestId: String(res.locals.requestId),
  };
}

/** Missing credentials: the only case that earns a 401 (DESIGN section 3). */
export function challenge(res: Response): void {
  res.status(401).set('WWW-Authenticate', 'Basic realm="dirgate", charset="UTF-8"').type('text/plain').send('credentials are required');
}

export function dsmlRoute(deps: DsmlRouteDeps): RequestHandler {
  const { log } = deps;
  return async (req, res) => {
    let body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const meta = { contentType: req.get('content-type'), soapAction: req.get('soapaction'), clientIp: req.socket.remoteAddress };
    let caller: AuthenticatedCaller | undefined;
    let directory = deps.directory;
    try {
      caller = await deps.authenticator.authenticate(gatewayRequest(req, res));
    } catch (err) {
      const e = toDirgateError(err);
      if (e.code === 'ERR_CREDENTIALS_REQUIRED') return challenge(res);
      log.info('dsml caller refused', { reason: e.reason, code: e.code });
      // Whatever stopped the check (wrong credentials, a locked account, the user's source down) is
      // answered in the batch's own form: every operation gets the errorResponse of that error.
      const answered = e.code === 'ERR_ACCOUNT_LOCKED' || e.code === 'ERR_UNKNOWN_APPLICATION'
        ? new DirgateError('ERR_AUTHENTICATION_FAILED', 'authentication failed', { reason: e.reason })
        : e;
      directory = new FailingDirectory(answered);
    }
    const ctx: OperationContext = caller?.ctx ?? { requestId: String(res.locals.requestId), principal: {} };

    let encryptedRequest = false;
    if (!caller && deps.crypto?.isEncrypted(body)) {
      // Nobody to decrypt for: answer as to any refused caller, without touching the ciphertext.
      const fault = faultForError('1.1', new DirgateError('ERR_AUTHENTICATION_FAILED', 'authentication failed'));
      res.status(fault.status).type(fault.contentType).send(fault.body);
      return;
    }
    if (caller && deps.crypto?.isEncrypted(body)) {
      try {
        body = await deps.crypto.decryptRequest(body, caller);
        encryptedRequest = true;
      } catch (err) {
        const e = toDirgateError(err);
        log.warn('encrypted request refused', { reason: e.reason });
        const fault = faultForError('1.1', e.code === 'ERR_DECRYPTION_FAILED' ? e : new DirgateError('ERR_DECRYPTION_FAILED', 'undecryptable'));
        res.status(fault.status).type(fault.contentType).send(fault.body);
        return;
      }
    }
    if (caller?.anonymous && !onlyDiscovery(body, deps.config, meta.contentType)) return challenge(res);

    const encrypt = caller !== undefined && deps.crypto !== undefined && caller.sessionId !== undefined
      && (caller.encryptionRequired || encryptedRequest || /^ibe$/i.test(req.get('x-dirgate-encrypt') ?? ''));
    const dsmlDeps = { directory, ctx, sessions: deps.sessions, config: deps.config, resolveAuthRequest: deps.resolveAuthRequest, logger: log };
    res.set(caller?.headers ?? {});
    if (encrypt) {
      const answer = await handleDsmlRequest(body, meta, dsmlDeps);
      const out = answer.status === 200 ? await deps.crypto!.encryptResponse(answer.body, caller!) : answer.body;
      res.status(answer.status).set(answer.headers ?? {}).type(answer.contentType).send(out);
      return;
    }
    const answer = await handleDsmlRequestStream(body, meta, dsmlDeps);
    res.status(answer.status).set(answer.headers ?? {}).type(answer.contentType);
    const pieces = answer.body[Symbol.asyncIterator]();
    try {
      // Most answers fit in the first piece: those leave whole, with a Content-Length, in one write.
      const first = await pieces.next();
      const second = first.done ? first : await pieces.next();
      if (second.done) {
        res.send(first.done ? '' : first.value);
        return;
      }
      res.write(first.value);
      for (let next: IteratorResult<string> = second; !next.done; next = await pieces.next()) {
        if (!res.write(next.value)) await new Promise((resolve) => res.once('drain', resolve));
      }
      res.end();
    } catch (err) {
      // Headers are gone: the only honest signal left is a cut connection.
      log.error('dsml response aborted', { error: (err as Error).message });
      res.destroy();
    }
  };
}

