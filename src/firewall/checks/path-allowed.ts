/** Refuses any path but the five the gateway serves, compared exactly as sent. */
import type { Check } from '../context.js';
import { refuse } from '../refusal.js';
import { ROUTES } from '../routes.js';

export const pathAllowed: Check = (ctx) => {
  const route = ROUTES.get(ctx.path);
  if (!route) refuse('path-not-allowed');
  ctx.route = route;
};
