/**
 * The password capability, through the directory so that the source's password
 * policy decides (its constraint violations come back as failures with the
 * source's reason). No password is ever returned except the one
 * resetPasswordRequest generates.
 *
 * validatePasswordRequest answers whether the password is the PSO's current
 * one (a bind), because LDAP has no way to ask a password policy about a value
 * without writing it.
 */
import { DirgateError } from '../../errors.js';
import type { ExecEnv } from '../env.js';
import type { SpmlRequest, SpmlResponse } from '../model.js';
import type { ResolvedPso } from '../pso-ids.js';
import { generatePassword } from '../generate-password.js';

type Req<K extends SpmlRequest['kind']> = Extract<SpmlRequest, { kind: K }>;

async function writePassword(env: ExecEnv, pso: ResolvedPso, password: string): Promise<void> {
  await env.directory.modify({
    dn: pso.dn,
    changes: [{ operation: 'replace', attribute: { type: pso.target.config.password.attribute, values: [password] } }],
    controls: [],
  }, env.ctx);
}

export async function setPassword(req: Req<'setPassword'>, env: ExecEnv, pso: ResolvedPso): Promise<SpmlResponse> {
  if (req.password === '') throw new DirgateError('ERR_CONSTRAINT_VIOLATION', 'the new password is empty', { reason: 'spml-empty-password' });
  if (req.currentPassword !== undefined) {
    try {
      await env.directory.bind(pso.dn, req.currentPassword, env.ctx);
    } catch (err) {
      if (err instanceof DirgateError && err.code === 'ERR_AUTHENTICATION_FAILED') {
        throw new DirgateError('ERR_AUTHENTICATION_FAILED', 'the current password is wrong', { reason: 'spml-current-password-wrong', cause: err });
      }
      throw err;
    }
  }
  await writePassword(env, pso, req.password);
  return { kind: 'setPassword', status: 'success', requestID: req.requestID, errorMessages: [] };
}

export async function expirePassword(req: Req<'expirePassword'>, env: ExecEnv, pso: ResolvedPso): Promise<SpmlResponse> {
  const rule = pso.target.config.password.expire;
  if (!rule) throw new DirgateError('ERR_UNSUPPORTED_OPERATION', `target "${pso.target.name}" cannot expire passwords`, { reason: 'spml-expire-unconfigured' });
  await env.directory.modify({
    dn: pso.dn, changes: [{ operation: 'replace', attribute: { type: rule.attribute, values: [rule.value] } }], controls: [],
  }, env.ctx);
  return { kind: 'expirePassword', status: 'success', requestID: req.requestID, errorMessages: [] };
}

export async function resetPassword(req: Req<'resetPassword'>, env: ExecEnv, pso: ResolvedPso): Promise<SpmlResponse> {
  const password = generatePassword(env.targets.config.password.resetLength);
  await writePassword(env, pso, password);
  return { kind: 'resetPassword', status: 'success', requestID: req.requestID, errorMessages: [], password };
}

export async function validatePassword(req: Req<'validatePassword'>, env: ExecEnv, pso: ResolvedPso): Promise<SpmlResponse> {
  let valid = true;
  try {
    await env.directory.bind(pso.dn, req.password, env.ctx);
  } catch (err) {
    if (!(err instanceof DirgateError) || (err.code !== 'ERR_AUTHENTICATION_FAILED' && err.code !== 'ERR_ACCOUNT_LOCKED')) throw err;
    valid = false;
  }
  return { kind: 'validatePassword', status: 'success', requestID: req.requestID, errorMessages: [], valid };
}
