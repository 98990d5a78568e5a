/**
 * Refuses a request with more header lines than the cap (Node's own
 * maxHeadersCount would silently drop the extra lines instead).
 */
import type { Check } from '../context.js';
import { refuse } from '../refusal.js';

export const headerCount: Check = (ctx, fw) => {
  if (ctx.req.rawHeaders.length / 2 > fw.settings.limits.maxHeaderCount) refuse('too-many-headers');
};
