/**
 * Which checks each request passes, in order, as a table: read a column to see
 * what a route skips (health probes have no application, GET routes no body, and
 * only bodies that were screened get operation, subtree and encryption rules).
 * Every check is one file under checks/ and refuses with one reason id.
 *
 *   check                      | reasons                           | /dsml /spml | /sso | /healthz /readyz
 *   ---------------------------+-----------------------------------+-------------+------+-----------------
 *   clientIpAllowed            | ip-denied                         |      x      |  x   |   x
 *   ipRateLimit                | rate-limited                      |      x      |  x   |   x
 *   pathAllowed                | path-not-allowed                  |      x      |  x   |   x
 *   methodAllowed              | method-not-allowed                |      x      |  x   |   x
 *   headerCount                | too-many-headers                  |      x      |  x   |   x
 *   clientCertificate          | client-cert-invalid               |      x      |  x   |   x
 *   contentType                | content-type-refused              |      x      |      |
 *   declaredBodySize           | body-too-large                    |      x      |      |
 *   screenedBody               | xml-*, soap-malformed,            |      x      |      |
 *                              | body-too-large, slow-client       |             |      |
 *   noBody                     | body-not-allowed                  |             |  x   |   x
 *   applicationKnown           | app-unknown                       |      x      |  x   |
 *   applicationIpAllowed       | ip-denied                         |      x      |  x   |
 *   applicationAuthenticated   | app-secret-invalid, app-cert-...  |      x      |  x   |
 *   endpointAllowed            | endpoint-not-allowed              |      x      |  x   |
 *   applicationRateLimit       | rate-limited                      |      x      |  x   |
 *   principalRateLimit         | rate-limited                      |      x      |  x   |
 *   loginRateLimit             | login-rate-limited                |      x      |  x   |
 *   operationsAllowed          | op-not-allowed                    |      x      |      |
 *   subtreesAllowed            | subtree-not-allowed               |      x      |      |
 *   encryptionRequired         | encryption-required               |      x      |      |
 *
 * The body is screened before the application is looked at, so that refusals of
 * a well-formed request can be answered inside the protocol (DESIGN section 3);
 * what costs more than a header look-up (argon2, the body) comes after the
 * address and its rate limit.
 */
import type { Check } from './context.js';
import type { RouteSpec } from './routes.js';
import { clientIpAllowed } from './checks/client-ip-allowed.js';
import { ipRateLimit } from './checks/ip-rate-limit.js';
import { pathAllowed } from './checks/path-allowed.js';
import { methodAllowed } from './checks/method-allowed.js';
import { headerCount } from './checks/header-count.js';
import { clientCertificate } from './checks/client-certificate.js';
import { contentType } from './checks/content-type.js';
import { declaredBodySize } from './checks/declared-body-size.js';
import { screenedBody } from './checks/screened-body.js';
import { noBody } from './checks/no-body.js';
import { applicationKnown } from './checks/application-known.js';
import { applicationIpAllowed } from './checks/application-ip-allowed.js';
import { applicationAuthenticated } from './checks/application-authenticated.js';
import { endpointAllowed } from './checks/endpoint-allowed.js';
import { applicationRateLimit } from './checks/application-rate-limit.js';
import { principalRateLimit } from './checks/principal-rate-limit.js';
import { loginRateLimit } from './checks/login-rate-limit.js';
import { operationsAllowed } from './checks/operations-allowed.js';
import { subtreesAllowed } from './checks/subtrees-allowed.js';
import { encryptionRequired } from './checks/encryption-required.js';

/** Every request, before and while its route is found. */
export const FRONT: readonly Check[] = [clientIpAllowed, ipRateLimit, pathAllowed, methodAllowed, headerCount, clientCertificate];

const APPLICATION: readonly Check[] = [applicationKnown, applicationIpAllowed, applicationAuthenticated, endpointAllowed, applicationRateLimit, principalRateLimit, loginRateLimit];

const XML_REQUEST: readonly Check[] = [contentType, declaredBodySize, screenedBody, ...APPLICATION, operationsAllowed, subtreesAllowed, encryptionRequired];

export const PIPELINES: Readonly<Record<RouteSpec['path'], readonly Check[]>> = {
  '/dsml': XML_REQUEST,
  '/spml': XML_REQUEST,
  '/sso': [noBody, ...APPLICATION],
  '/healthz': [noBody],
  '/readyz': [noBody],
};
