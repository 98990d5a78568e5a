/** Refuses a client address on the application's deny list, or off its allow list. */
import type { Check } from '../context.js';
import { refuse } from '../refusal.js';

export const applicationIpAllowed: Check = (ctx) => {
  if (!ctx.app!.ips.permits(ctx.clientIp)) refuse('ip-denied');
};
