/**
 * Who is calling the gateway, as the routes see it once authentication ran.
 * The authenticator (src/gateway/authenticate.ts) fills it in; the routes only
 * read it, so the pipeline of each route stays one table.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { OperationContext } from '../directory/model.js';

export interface GatewayRequest {
  headers: IncomingHttpHeaders;
  /** The client's address as the firewall saw it (signed hop header), or the socket's. */
  clientIp?: string;
  /** Subject DN of the TLS client certificate the firewall verified, if any. */
  clientCertSubject?: string;
  /**
   * How the firewall authenticated the application (`secret`, `certificate`,
   * `secret+certificate`, `none`), from the signed hop; undefined when the
   * request did not come through the firewall (the gateway then checks the
   * application's secret itself).
   */
  appAuth?: string;
  requestId: string;
}

export interface AuthenticatedCaller {
  ctx: OperationContext;
  /** No user or session credentials were presented (discovery only). */
  anonymous: boolean;
  /** Headers for the answer, such as a renewed `X-Dirgate-Session-Token`. */
  headers: Record<string, string>;
  /** Set when the caller presented session credentials. */
  sessionId?: string;
  /** Whether the application requires encrypted payloads. */
  encryptionRequired: boolean;
}

export interface CallerAuthenticator {
  /** Throws DirgateError: ERR_UNKNOWN_APPLICATION, ERR_AUTHENTICATION_FAILED, ERR_ACCOUNT_LOCKED... */
  authenticate(req: GatewayRequest): Promise<AuthenticatedCaller>;
}

/** Encrypts and decrypts message bodies for a session (DESIGN: "Encrypted payloads"). */
export interface PayloadCrypto {
  /** True when the SOAP Body holds an xenc:EncryptedData element. */
  isEncrypted(body: Buffer): boolean;
  /** Replaces the EncryptedData element with the element it encrypts; ERR_DECRYPTION_FAILED otherwise. */
  decryptRequest(body: Buffer, caller: AuthenticatedCaller): Promise<Buffer>;
  /** Replaces the response element inside the SOAP Body (or the bare document) with its EncryptedData. */
  encryptResponse(xml: string, caller: AuthenticatedCaller): Promise<string>;
}
