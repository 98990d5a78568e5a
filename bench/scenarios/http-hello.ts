/**
 * http-hello: a plain node:http server answering "hello", in its own process.
 * The HTTP ceiling of this machine and this Node: no gateway can answer faster.
 */
import { runHttp } from '../lib/http-load.js';
import { measure, resultOf, type Scenario } from '../lib/scenario.js';

export const httpHello: Scenario = {
  name: 'http-hello',
  summary: 'plain node:http "hello" in a child process: the HTTP ceiling',
  async run(ctx) {
    const hello = await ctx.fixtures.child('hello', ['hello']);
    const load = {
      origin: hello.url('hello'),
      connections: ctx.options.connections,
      request: () => ({ method: 'GET' as const, path: '/', headers: {} }),
      check: (body: string) => body === 'hello',
    };
    const m = await measure(ctx, { hello: hello.pid }, (pass) => runHttp(load, pass));
    return [resultOf('http-hello', m)];
  },
};
