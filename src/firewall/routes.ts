/**
 * The only paths the firewall serves, compared exactly (no decoding, no case
 * folding, no trailing slash) so that what it checked is what the gateway routes.
 */
import type { RouteKind } from './protocol-answers.js';

export interface RouteSpec {
  path: '/dsml' | '/spml' | '/sso' | '/healthz' | '/readyz';
  method: 'POST' | 'GET';
  kind: RouteKind;
  /** The body is XML to screen (POST routes). */
  xmlBody: boolean;
  /** A request without Content-Type is accepted (the .NET DSML client sends none). */
  contentTypeOptional: boolean;
}

export const ROUTES: ReadonlyMap<string, RouteSpec> = new Map<string, RouteSpec>([
  ['/dsml', { path: '/dsml', method: 'POST', kind: 'dsml', xmlBody: true, contentTypeOptional: true }],
  ['/spml', { path: '/spml', method: 'POST', kind: 'spml', xmlBody: true, contentTypeOptional: false }],
  ['/sso', { path: '/sso', method: 'GET', kind: 'plain', xmlBody: false, contentTypeOptional: true }],
  ['/healthz', { path: '/healthz', method: 'GET', kind: 'plain', xmlBody: false, contentTypeOptional: true }],
  ['/readyz', { path: '/readyz', method: 'GET', kind: 'plain', xmlBody: false, contentTypeOptional: true }],
]);
