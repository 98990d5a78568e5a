/** Counts the request against the client address's budget (before anything is read). */
import type { Check } from '../context.js';

export const ipRateLimit: Check = (ctx, fw) => fw.limits.take('perIp', ctx.clientIp);
