/** Refuses an endpoint the application may not use (access.endpoints). */
import type { Check } from '../context.js';
import { refuse } from '../refusal.js';

export const endpointAllowed: Check = (ctx) => {
  if (!ctx.app!.endpoints.has(ctx.route!.path)) refuse('endpoint-not-allowed');
};
