/**
 * POST /spml. The pipeline, one step a line:
 *
 *   step                 | what
 *   ---------------------+--------------------------------------------------
 *   authenticate caller  | session or user credentials; anonymous -> 401
 *   provisioning right   | the user holds `provision` and the app lists the operation (else an SPML failure)
 *   decrypt request      | if the SOAP Body holds EncryptedData
 *   run SPML             | through the authorized virtual directory
 *   audit                | every provisioning change, one log line
 *   encrypt response     | if asked or required
 */
import type { RequestHandler } from 'express';
import type { Directory } from '../../directory/model.js';
import { DirgateError, toDirgateError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { handleSpmlRequest, serializeFault, SPML_CONTENT_TYPE, type SpmlRuntime } from '../../spml/index.js';
import type { SpmlAuthorizedOperation } from '../../spml/env.js';
import type { AccessPolicy } from '../access.js';
import type { CallerAuthenticator, PayloadCrypto } from '../caller.js';
import { challenge, gatewayRequest } from './dsml.js';

/** Which application operation (applications[].access.operations) each SPML operation needs. */
const APP_OPERATION: Record<SpmlAuthorizedOperation, string> = {
  add: 'spml-write', modify: 'spml-write', delete: 'spml-write',
  lookup: 'spml-read', search: 'spml-read', iterate: 'spml-read', closeIterator: 'spml-read', listTargets: 'spml-read',
  batch: 'spml-read', status: 'spml-read', cancel: 'spml-read',
  setPassword: 'spml-password', expirePassword: 'spml-password', resetPassword: 'spml-password', validatePassword: 'spml-password',
  suspend: 'spml-suspend', resume: 'spml-suspend', active: 'spml-suspend',
};

interface ApplicationAccess { access?: { operations?: string[] } }

function appAllows(app: ApplicationAccess | undefined, operation: SpmlAuthorizedOperation): boolean {
  return app?.access?.operations?.includes(APP_OPERATION[operation]) ?? false;
}

export interface SpmlRouteDeps {
  /** The application registry by id. */
  applications: ReadonlyMap<string, ApplicationAccess>;
  directory: Directory;
  authenticator: CallerAuthenticator;
  crypto?: PayloadCrypto;
  runtime: SpmlRuntime;
  policy: AccessPolicy;
  log: Logger;
  /** Where provisioning changes are recorded (default: the gateway log). */
  audit?: (event: Record<string, unknown>) => void;
}

/** A refusal before SPML is read: the client's fault, or the gateway's (5xx: a directory out of reach, say). */
function fail(res: Parameters<RequestHandler>[1], status: number, message: string): void {
  res.status(status).type(SPML_CONTENT_TYPE).send(serializeFault(status >= 500 ? 'Server' : 'Client', message));
}

export function spmlRoute(deps: SpmlRouteDeps): RequestHandler {
  const { log } = deps;
  const audit = deps.audit ?? ((event) => log.info('provisioning', { audit: 'spml', ...event }));
  return async (req, res) => {
    let caller;
    try {
      caller = await deps.authenticator.authenticate(gatewayRequest(req, res));
    } catch (err) {
      const e = toDirgateError(err);
      log.info('spml caller refused', { reason: e.reason });
      if (e.code === 'ERR_CREDENTIALS_REQUIRED') {
        challenge(res);
        return;
      }
      return fail(res, e.spec.http >= 500 ? 500 : 401, e.publicMessage);
    }
    if (caller.anonymous) {
      challenge(res);
      return;
    }
    const principal = caller.ctx.principal;
    // A user without the provision right is refused operation by operation, in SPML's own form.
    const mayProvision = principal.service === true || (principal.dn !== undefined
      && await deps.policy.allows({ dn: principal.dn }, { right: 'provision', dn: '' }));
    if (!mayProvision) log.info('spml caller may not provision', { reason: 'provision-not-allowed' });
    let body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let encryptedRequest = false;
    if (deps.crypto?.isEncrypted(body)) {
      try {
        body = await deps.crypto.decryptRequest(body, caller);
        encryptedRequest = true;
      } catch (err) {
        log.warn('encrypted spml request refused', { reason: toDirgateError(err).reason });
        return fail(res, 400, 'the payload could not be decrypted');
      }
    }
    res.set(caller.headers);
    const answer = await handleSpmlRequest(body, { sessionId: caller.sessionId }, {
      directory: deps.directory,
      ctx: caller.ctx,
      targets: deps.runtime.targets,
      jobs: deps.runtime.jobs,
      iterators: deps.runtime.iterators,
      // The user's provisioning right was checked above; here the application's own list decides.
      authorize: (_principal, _target, operation) => mayProvision && appAllows(deps.applications.get(principal.appId ?? ''), operation),
      audit: (event) => audit({ ...event }),
      logger: log,
    });
    const encrypt = deps.crypto && caller.sessionId && answer.status === 200
      && (caller.encryptionRequired || encryptedRequest || /^ibe$/i.test(req.get('x-dirgate-encrypt') ?? ''));
    res.status(answer.status).type(answer.contentType).send(encrypt ? await deps.crypto!.encryptResponse(answer.body, caller) : answer.body);
  };
}
