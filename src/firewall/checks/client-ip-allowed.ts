/** Refuses a client address on the global deny list, or off the global allow list. */
import type { Check } from '../context.js';
import { refuse } from '../refusal.js';

export const clientIpAllowed: Check = (ctx, fw) => {
  if (!fw.globalIps.permits(ctx.clientIp)) refuse('ip-denied');
};
