/**
 * Reads the body up to the cap, passing each chunk through the XML screen as it
 * arrives, within the body time limit; on success the whole body is held for
 * forwarding and the operations it names are known. The first refusal stops the
 * reading: nothing of a refused body is ever forwarded.
 */
import { performance } from 'node:perf_hooks';
import type { Check } from '../context.js';
import { FirewallRefusal } from '../refusal.js';
import { XmlScreen } from '../xml-screen.js';
import { dsmlOperation, spmlOperation } from '../operations.js';

export const screenedBody: Check = (ctx, fw) => new Promise<void>((resolve, reject) => {
  const { req } = ctx;
  const route = ctx.route!;
  const limits = fw.settings.limits;
  const screen = new XmlScreen(limits.xml, route.kind === 'spml' ? 'spml' : 'dsml');
  const chunks: Buffer[] = [];
  let size = 0;
  const finish = (err?: unknown) => {
    clearTimeout(timer);
    req.off('data', onData).off('end', onEnd).off('aborted', onAborted).off('error', onAborted);
    req.pause();
    if (err) reject(err);
    else resolve();
  };
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > limits.maxBodyBytes) return finish(new FirewallRefusal('body-too-large'));
    chunks.push(chunk);
    try { screen.write(chunk); } catch (err) { finish(err); }
  };
  const onEnd = () => {
    try {
      ctx.xml = screen.end();
    } catch (err) {
      return finish(err);
    }
    ctx.body = Buffer.concat(chunks, size);
    const name = route.kind === 'spml' ? spmlOperation : dsmlOperation;
    ctx.operations = ctx.xml.operations.map((op) => name(op.element));
    ctx.firstDn = ctx.xml.operations[0]?.dn ?? ctx.xml.operations[0]?.ids[0];
    finish();
  };
  // A client that goes away mid-body is treated like one that is too slow: there is nobody to answer.
  const onAborted = () => finish(new FirewallRefusal('slow-client'));
  const timer = setTimeout(() => finish(new FirewallRefusal('slow-client')), Math.max(0, limits.bodyTimeoutMs - (performance.now() - ctx.started)));
  req.on('data', onData).on('end', onEnd).on('aborted', onAborted).on('error', onAborted);
});
