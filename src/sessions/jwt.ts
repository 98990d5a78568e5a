/**
 * Login with a Bearer JWT from a configured external signer (`jwtSigners`).
 * The signer is picked by the token's `iss`; its keys come from its JWKS URL
 * through `jose`'s createRemoteJWKSet, which caches them, refetches on an
 * unknown `kid` (after its cool-down) and on age, and times out slow fetches,
 * so key rotation needs nothing from us. The result names the user by one
 * claim and the attribute it maps to; the gateway resolves the entry.
 */
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, customFetch, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';
import { DirgateError } from '../errors.js';

export interface JwtSignerConfig {
  name: string;
  issuer: string;
  audience: string | string[];
  jwksUrl: string;
  /** The claim that names the user. */
  userClaim: string;
  /** The user attribute whose value the claim carries. */
  userAttribute: string;
  algorithms: string[];
  clockToleranceSeconds: number;
  jwks: { timeoutMs: number; cooldownMs: number; cacheMaxAgeMs: number };
  /** CA certificates (PEM file) to trust for the JWKS URL, beside the system ones. */
  caFile?: string;
}

export interface JwtLogin {
  signer: string;
  userAttribute: string;
  userValue: string;
  claims: JWTPayload;
}

function fail(reason: string, cause?: unknown): DirgateError {
  return new DirgateError('ERR_AUTHENTICATION_FAILED', 'authentication failed', { reason, ...(cause ? { cause } : {}) });
}

interface Signer { config: JwtSignerConfig; keys: ReturnType<typeof createRemoteJWKSet> }

export interface JwtVerifierOptions {
  /** Milliseconds since 1970; the token's times are checked against it. */
  clock?: () => number;
  /** PEM text instead of `caFile` (tests). */
  ca?: string;
}

export class JwtVerifier {
  readonly #signers = new Map<string, Signer>();
  readonly #clock: () => number;

  constructor(signers: readonly JwtSignerConfig[], options: JwtVerifierOptions = {}) {
    this.#clock = options.clock ?? Date.now;
    for (const config of signers) {
      const ca = options.ca ?? (config.caFile ? readFileSync(config.caFile, 'utf8') : undefined);
      const dispatcher = ca ? new Agent({ connect: { ca } }) : undefined;
      const keys = createRemoteJWKSet(new URL(config.jwksUrl), {
        timeoutDuration: config.jwks.timeoutMs,
        cooldownDuration: config.jwks.cooldownMs,
        cacheMaxAge: config.jwks.cacheMaxAgeMs,
        ...(dispatcher ? {
          [customFetch]: ((url: string, init: Record<string, unknown>) =>
            undiciFetch(url, { ...init, dispatcher } as Parameters<typeof undiciFetch>[1])) as unknown as typeof fetch,
        } : {}),
      });
      this.#signers.set(config.issuer, { config, keys });
    }
  }

  get size(): number {
    return this.#signers.size;
  }

  /** Verifies the token; every failure is authentication failed, with its own reason for the log. */
  async verify(token: string): Promise<JwtLogin> {
    let issuer: string | undefined;
    try {
      issuer = decodeJwt(token).iss;
    } catch (err) {
      throw fail('jwt-malformed', err);
    }
    const signer = issuer === undefined ? undefined : this.#signers.get(issuer);
    if (!signer) throw fail('jwt-issuer-unknown');
    const { config } = signer;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, signer.keys, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: config.algorithms,
        clockTolerance: config.clockToleranceSeconds,
        currentDate: new Date(this.#clock()),
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw fail('jwt-expired', err);
      if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid || (err instanceof TypeError && /fetch/i.test(err.message))) {
        throw fail('jwks-unavailable', err);
      }
      throw fail('jwt-invalid', err);
    }
    const value = payload[config.userClaim];
    if (typeof value !== 'string' || value === '') throw fail('jwt-user-claim-missing');
    return { signer: config.name, userAttribute: config.userAttribute, userValue: value, claims: payload };
  }
}
