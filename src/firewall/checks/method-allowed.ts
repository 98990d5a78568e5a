/** Refuses a method other than the route's one (POST for /dsml and /spml, GET for the rest). */
import type { Check } from '../context.js';
import { refuse } from '../refusal.js';

export const methodAllowed: Check = (ctx) => {
  if (ctx.req.method !== ctx.route!.method) refuse('method-not-allowed');
};
