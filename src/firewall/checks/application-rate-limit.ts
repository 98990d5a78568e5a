/** Counts the request against the application's budget (a capacity guard shared by all its users). */
import type { Check } from '../context.js';

export const applicationRateLimit: Check = (ctx, fw) => fw.limits.take('perApplication', ctx.app!.policy.id);
