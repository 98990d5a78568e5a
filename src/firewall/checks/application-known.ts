/** Refuses a request whose X-Dirgate-App is missing or names no registered application. */
import type { Check } from '../context.js';
import { refuse } from '../refusal.js';

export const applicationKnown: Check = (ctx, fw) => {
  const header = ctx.req.headers['x-dirgate-app'];
  const app = typeof header === 'string' ? fw.apps.get(header) : undefined;
  // Kept for the audit line, shortened: an unknown value is the caller's text.
  ctx.appId = typeof header === 'string' ? header.slice(0, 64) : undefined;
  if (!app) refuse('app-unknown');
  ctx.app = app;
};
