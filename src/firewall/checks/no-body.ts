/** Refuses a GET that carries a body: nothing on these routes reads one, so nothing should arrive. */
import type { Check } from '../context.js';
import { refuse } from '../refusal.js';

export const noBody: Check = (ctx) => {
  const h = ctx.req.headers;
  if (h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0')) refuse('body-not-allowed');
};
