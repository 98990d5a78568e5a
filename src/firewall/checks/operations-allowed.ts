/**
 * Refuses a batch holding an operation outside the application's
 * access.operations. An encrypted body hides its operations from the firewall:
 * the gateway applies the same rule after decrypting (docs/firewall.md).
 */
import type { Check } from '../context.js';
import { refuse } from '../refusal.js';
import { ALWAYS_ALLOWED } from '../operations.js';

export const operationsAllowed: Check = (ctx) => {
  const allowed = ctx.app!.operations;
  ctx.operations.forEach((operation, i) => {
    if (!allowed.has(operation) && !ALWAYS_ALLOWED.has(operation)) refuse('op-not-allowed', { operation, dn: ctx.xml?.operations[i]?.dn });
  });
};
