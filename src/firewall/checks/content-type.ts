/**
 * Accepts only XML media types with a UTF-8 charset (or none); a missing
 * Content-Type only where the route allows it (/dsml: the .NET client sends none).
 */
import type { Check } from '../context.js';
import { refuse } from '../refusal.js';

const XML_TYPES = new Set(['text/xml', 'application/soap+xml', 'application/xml']);

export const contentType: Check = (ctx) => {
  const header = ctx.req.headers['content-type'];
  if (header === undefined || header.trim() === '') {
    if (!ctx.route!.contentTypeOptional) refuse('content-type-refused');
    return;
  }
  const [type = '', ...params] = header.split(';').map((p) => p.trim().toLowerCase());
  if (!XML_TYPES.has(type)) refuse('content-type-refused');
  for (const param of params) {
    const [name, value = ''] = param.split('=').map((p) => p.trim());
    if (name === 'charset' && !/^"?utf-8"?$/.test(value)) refuse('content-type-refused');
  }
};
