/**
 * The paced HTTP pass: requests sent at evenly spaced moments over a fixed set
 * of kept-alive connections (one request at a time on each), the latency of
 * each timed from the moment it was due, so a request that waited for a free
 * connection counts its wait. A small HTTP/1.1 client of its own (requests
 * written as one buffer, answers read with Content-Length or chunked framing)
 * so that pacing 10 000+ requests a second costs the load generator little:
 * it shares the machine with the servers it measures.
 */
import net from 'node:net';
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { LatencySamples, summarise, type LoadResult } from './latency.js';
import type { HttpLoad, HttpRequestShape } from './http-load.js';

interface Waiting { due: number; request: Buffer }

/** Parses one HTTP/1.1 answer at a time out of a byte stream. */
class AnswerReader {
  #buf: Buffer = Buffer.alloc(0);
  #status = 0;
  #headEnd = -1;
  #length = -1;
  #chunked = false;
  #close = false;
  #body: Buffer[] = [];
  #chunkLeft = -1;
  #head = '';

  /** Feeds bytes; returns a complete answer when one is there. */
  push(data: Buffer): { status: number; body: string; close: boolean } | { error: string } | undefined {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, data]) : data;
    if (this.#headEnd < 0) {
      const end = this.#buf.indexOf('\r\n\r\n');
      if (end < 0) return undefined;
      const head = this.#buf.subarray(0, end).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (!m) return { error: `no status line in ${JSON.stringify(head.slice(0, 80))}` };
      this.#status = Number(m[1]);
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      this.#chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head);
      this.#close = /\r\nconnection:\s*close/i.test(head);
      this.#length = length ? Number(length[1]) : -1;
      this.#headEnd = end + 4;
      this.#head = head;
      this.#buf = this.#buf.subarray(this.#headEnd);
    }
    if (!this.#chunked) {
      if (this.#length < 0) return { error: `an answer with neither Content-Length nor chunked framing: ${JSON.stringify(this.#head.slice(0, 400))}` };
      if (this.#buf.length < this.#length) return undefined;
      const body = this.#buf.subarray(0, this.#length).toString('utf8');
      return this.#done(body, this.#length);
    }
    for (;;) {
      if (this.#chunkLeft < 0) {
        const eol = this.#buf.indexOf('\r\n');
        if (eol < 0) return undefined;
        const size = parseInt(this.#buf.subarray(0, eol).toString('latin1'), 16);
        if (!Number.isFinite(size)) return { error: `bad chunk size line ${JSON.stringify(this.#buf.subarray(0, 40).toString('latin1'))}` };
        if (size === 0) {
          // The last chunk, then (no trailers from our servers) an empty line.
          if (this.#buf.length < eol + 4) return undefined;
          return this.#done(Buffer.concat(this.#body).toString('utf8'), eol + 4);
        }
        this.#chunkLeft = size;
        this.#buf = this.#buf.subarray(eol + 2);
      }
      if (this.#buf.length < this.#chunkLeft + 2) return undefined;
      this.#body.push(this.#buf.subarray(0, this.#chunkLeft));
      this.#buf = this.#buf.subarray(this.#chunkLeft + 2);
      this.#chunkLeft = -1;
    }
  }

  #done(body: string, consumed: number) {
    const answer = { status: this.#status, body, close: this.#close };
    this.#buf = this.#buf.subarray(consumed);
    this.#headEnd = -1;
    this.#length = -1;
    this.#chunked = false;
    this.#close = false;
    this.#body = [];
    this.#chunkLeft = -1;
    return answer;
  }
}

function serialize(url: URL, r: HttpRequestShape): Buffer {
  const body = r.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body);
  let head = `${r.method} ${r.path} HTTP/1.1\r\nhost: ${url.host}\r\nconnection: keep-alive\r\n`;
  for (const [k, v] of Object.entries(r.headers)) if (k.toLowerCase() !== 'content-length') head += `${k}: ${v}\r\n`;
  if (r.method !== 'GET' || body.length) head += `content-length: ${body.length}\r\n`;
  return Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), body]);
}

export async function runPacedHttp(load: HttpLoad, seconds: number, rate: number): Promise<LoadResult> {
  const url = new URL(load.origin);
  const secure = url.protocol === 'https:';
  const port = Number(url.port || (secure ? 443 : 80));
  const samples = new LatencySamples();
  let errors = 0;
  const queue: Waiting[] = [];
  const idle: Connection[] = [];
  let outstanding = 0;
  let allDone: (() => void) | undefined;

  let firstError: string | undefined;
  const settle = (w: Waiting, ok: boolean, why?: string) => {
    if (ok) samples.add(performance.now() - w.due);
    else {
      errors += 1;
      firstError ??= why ?? 'connection lost or no answer';
    }
    outstanding -= 1;
    if (outstanding === 0) allDone?.();
  };

  class Connection {
    socket: net.Socket | undefined;
    reader = new AnswerReader();
    current: Waiting | undefined;

    open(): net.Socket {
      const socket = secure
        ? tls.connect({ host: url.hostname, port, ...(load.ca ? { ca: load.ca } : {}), servername: net.isIP(url.hostname) ? undefined : url.hostname })
        : net.connect({ host: url.hostname, port });
      socket.setNoDelay(true);
      socket.on('data', (d: Buffer) => {
        const answer = this.reader.push(d);
        if (answer === undefined) return;
        const w = this.current!;
        this.current = undefined;
        if ('error' in answer) { this.drop(); settle(w, false, `unreadable HTTP answer: ${answer.error}`); this.next(); return; }
        const ok = answer.status >= 200 && answer.status < 300 && (!load.check || load.check(answer.body));
        if (answer.close) this.drop();
        settle(w, ok, ok ? undefined : `HTTP ${answer.status}: ${answer.body.slice(0, 300)}`);
        this.next();
      });
      const lost = () => {
        if (this.socket !== socket) return;
        this.socket = undefined;
        this.reader = new AnswerReader();
        const w = this.current;
        this.current = undefined;
        // An idle connection the server closed is simply opened again when next used.
        if (!w) return;
        settle(w, false);
        this.next();
      };
      socket.on('error', lost);
      socket.on('close', lost);
      return socket;
    }

    drop(): void {
      const s = this.socket;
      this.socket = undefined;
      this.reader = new AnswerReader();
      s?.destroy();
    }

    send(w: Waiting): void {
      this.current = w;
      this.socket ??= this.open();
      this.socket.write(w.request);
    }

    next(): void {
      const w = queue.shift();
      if (w) this.send(w);
      else idle.push(this);
    }
  }

  const all = Array.from({ length: load.connections }, () => new Connection());
  idle.push(...all);
  const start = performance.now();
  const end = start + seconds * 1000;
  const interval = 1000 / rate;
  for (let i = 0; ; i += 1) {
    const due = start + i * interval;
    if (due >= end) break;
    const wait = due - performance.now();
    if (wait >= 1) await sleep(wait);
    // Behind schedule: still let answers in now and then.
    else if (i % 8 === 0) await new Promise((resolve) => setImmediate(resolve));
    const w: Waiting = { due, request: serialize(url, load.request(i)) };
    outstanding += 1;
    const free = idle.pop();
    if (free) free.send(w);
    else queue.push(w);
  }
  if (outstanding > 0) {
    await new Promise<void>((resolve) => {
      allDone = resolve;
      // Answers that never come: count them as errors rather than wait for ever.
      setTimeout(() => {
        for (const w of queue.splice(0)) settle(w, false);
        for (const c of all) {
          const w = c.current;
          c.current = undefined;
          c.drop();
          if (w) settle(w, false);
        }
      }, 30_000).unref();
    });
  }
  const elapsed = (performance.now() - start) / 1000;
  for (const c of all) c.drop();
  return { ...summarise(samples, elapsed, errors, Math.round(rate)), ...(firstError ? { firstError } : {}) };
}
