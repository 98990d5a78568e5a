/** Refuses a body whose declared Content-Length is over the cap, before reading any of it. */
import type { Check } from '../context.js';
import { refuse } from '../refusal.js';

export const declaredBodySize: Check = (ctx, fw) => {
  const declared = ctx.req.headers['content-length'];
  if (declared !== undefined && Number(declared) > fw.settings.limits.maxBodyBytes) refuse('body-too-large');
};
