/**
 * TOTP (RFC 6238) with the `otpauth` package: SHA-1, 6 digits, 30-second steps,
 * one step of clock skew either way. A code is accepted once: the caller keeps
 * the last time step used per user (in the shared store) and passes it back, so
 * a replay on any replica fails. Time is always passed in, never read here.
 */
import { Secret, TOTP } from 'otpauth';

export interface TotpParameters {
  digits: number;
  period: number;
  /** Steps of skew accepted either side of the current one. */
  window: number;
}

export const TOTP_DEFAULTS: TotpParameters = { digits: 6, period: 30, window: 1 };

/** A fresh 160-bit secret (RFC 4226 recommends the HMAC's output size), base32. */
export function generateTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totp(secretBase32: string, params: TotpParameters, label = 'user', issuer = 'dirgate'): TOTP {
  return new TOTP({
    issuer, label, algorithm: 'SHA1', digits: params.digits, period: params.period,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** The `otpauth://totp/...` URI an authenticator app enrols from (usually shown as a QR code). */
export function otpauthUri(secretBase32: string, account: string, issuer: string, params: TotpParameters = TOTP_DEFAULTS): string {
  return totp(secretBase32, params, account, issuer).toString();
}

/** The code for a time: for tests and the demo client, which stand in for an authenticator app. */
export function totpCodeAt(secretBase32: string, timeMs: number, params: TotpParameters = TOTP_DEFAULTS): string {
  return totp(secretBase32, params).generate({ timestamp: timeMs });
}

export type TotpCheck =
  | { ok: true; step: number }
  | { ok: false; reason: 'totp-invalid' | 'totp-replayed' };

/**
 * Checks a code at `nowMs`. `lastUsedStep` is the step of the last code this
 * user had accepted; a code of that step or earlier is a replay.
 */
export function checkTotp(secretBase32: string, code: string, nowMs: number, lastUsedStep: number | undefined, params: TotpParameters = TOTP_DEFAULTS): TotpCheck {
  if (typeof code !== 'string' || !new RegExp(`^\\d{${params.digits}}$`).test(code)) return { ok: false, reason: 'totp-invalid' };
  const delta = totp(secretBase32, params).validate({ token: code, timestamp: nowMs, window: params.window });
  if (delta === null) return { ok: false, reason: 'totp-invalid' };
  const step = Math.floor(nowMs / 1000 / params.period) + delta;
  if (lastUsedStep !== undefined && step <= lastUsedStep) return { ok: false, reason: 'totp-replayed' };
  return { ok: true, step };
}
