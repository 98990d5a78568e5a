/**
 * Gives every request an id: the firewall's (forwarded, signed) when present,
 * otherwise a fresh one; all log lines written while handling it carry it.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { withRequestId } from '../log.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function requestId() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const forwarded = req.get('x-dirgate-request-id');
    const id = forwarded && REQUEST_ID.test(forwarded) ? forwarded : randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Dirgate-Request-Id', id);
    withRequestId(id, next);
  };
}
