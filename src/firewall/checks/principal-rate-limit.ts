/** Counts the request against the principal's budget: the user name at login, the session id afterwards. */
import type { Check } from '../context.js';

export const principalRateLimit: Check = (ctx, fw) => {
  const principal = ctx.credentials.principal;
  if (principal !== undefined) return fw.limits.take('perPrincipal', principal);
};
