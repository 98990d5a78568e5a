/**
 * Loads the interception scripts at start-up and runs them per call: each
 * hook's module comes from `scripts.<hook>.module` or the default in
 * interception-scripts/, its configuration is checked against the module's
 * own `configSchema` (every problem in every script reported at once, naming
 * the hook and key), and each call is bounded by a time limit and has its
 * errors mapped: a DirgateError passes through, anything else becomes
 * ERR_INTERNAL whose message never reaches the client.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ConfigError, describeSchemaErrors, PACKAGE_ROOT } from '../config/load.js';
import { DirgateError, ERRORS, type ErrorCode } from '../errors.js';
import { HOOK_NAMES, type CallContext, type HookInput, type HookName, type HookOutput, type ScriptHandler, type ScriptModule, type ScriptServices } from './types.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export interface HookConfig {
  /** Path of the module (absolute after configuration loading); default: the bundled script. */
  module?: string;
  config?: Record<string, unknown>;
  /** Overrides `scripts.timeoutMs` for this hook. */
  timeoutMs?: number;
}

export type ScriptsConfig = { timeoutMs?: number } & Partial<Record<HookName, HookConfig>>;

export const DEFAULT_SCRIPT_TIMEOUT_MS = 2000;

const DEFAULT_FILES: Record<HookName, string> = {
  createSession: 'create-session',
  validateSession: 'validate-session',
  getEncryptionKey: 'get-encryption-key',
  logoff: 'logoff',
  beforeOperation: 'before-operation',
  afterOperation: 'after-operation',
};

/** The bundled script for a hook: compiled JavaScript beside dist/src, TypeScript when run from the sources. */
export function defaultScriptPath(hook: HookName): string {
  const base = path.join(PACKAGE_ROOT, 'interception-scripts', DEFAULT_FILES[hook]);
  const compiled = path.join(PACKAGE_ROOT, 'dist', 'interception-scripts', `${DEFAULT_FILES[hook]}.js`);
  if (existsSync(`${base}.ts`) && !import.meta.url.includes('/dist/')) return `${base}.ts`;
  return existsSync(compiled) ? compiled : `${base}.js`;
}

interface LoadedHook {
  handler: ScriptHandler<HookName>;
  timeoutMs: number;
  module: string;
}

function isScriptModule(m: unknown): m is ScriptModule {
  const mod = m as Partial<ScriptModule> | null;
  return !!mod && typeof mod.create === 'function' && !!mod.configSchema && typeof mod.configSchema === 'object';
}

/**
 * A script's DirgateError, even one from another copy of dirgate's errors
 * module (a script compiled on its own): recognised by name and a registered
 * code, and re-made as ours so later `instanceof` checks hold.
 */
function asDirgateError(err: unknown): DirgateError | undefined {
  if (err instanceof DirgateError) return err;
  const e = err as { name?: unknown; code?: unknown; message?: unknown; reason?: unknown } | null;
  if (!e || e.name !== 'DirgateError' || typeof e.code !== 'string' || !Object.hasOwn(ERRORS, e.code)) return undefined;
  return new DirgateError(e.code as ErrorCode, String(e.message ?? ''), { cause: err, ...(typeof e.reason === 'string' ? { reason: e.reason } : {}) });
}

function isThenable<T>(value: Promise<T> | T): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** A script's failure as the gateway reports it: its own DirgateError, or an internal error whose detail stays in the log. */
function scriptFailure(hook: HookName, err: unknown): DirgateError {
  const typed = asDirgateError(err);
  if (typed) return typed;
  return new DirgateError('ERR_INTERNAL', `interception script ${hook} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err, reason: 'script-error' });
}

export class ScriptRuntime {
  readonly #hooks: Map<HookName, LoadedHook>;

  private constructor(hooks: Map<HookName, LoadedHook>) {
    this.#hooks = hooks;
  }

  /** Loads every hook; throws one ConfigError listing every problem found. */
  static async load(config: ScriptsConfig, services: ScriptServices): Promise<ScriptRuntime> {
    const problems: string[] = [];
    const hooks = new Map<HookName, LoadedHook>();
    const defaultTimeout = config.timeoutMs ?? DEFAULT_SCRIPT_TIMEOUT_MS;
    for (const hook of HOOK_NAMES) {
      const hc = config[hook] ?? {};
      const modulePath = hc.module ?? defaultScriptPath(hook);
      const key = `scripts.${hook}`;
      let mod: unknown;
      try {
        const imported = (await import(pathToFileURL(path.resolve(modulePath)).href)) as { default?: unknown };
        mod = isScriptModule(imported) ? imported : imported.default;
      } catch (err) {
        problems.push(`${key}.module: cannot be loaded from ${modulePath}: ${(err as Error).message.split('\n')[0]}`);
        continue;
      }
      if (!isScriptModule(mod)) {
        problems.push(`${key}.module: ${modulePath} does not export configSchema and create(config, services)`);
        continue;
      }
      const scriptConfig = structuredClone(hc.config ?? {});
      let validate;
      try {
        const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictTypes: false });
        addFormats(ajv);
        validate = ajv.compile(mod.configSchema);
      } catch (err) {
        problems.push(`${key}.module: the script's configSchema is not a valid schema: ${(err as Error).message}`);
        continue;
      }
      if (!validate(scriptConfig)) {
        for (const p of describeSchemaErrors(validate.errors ?? [])) {
          problems.push(p.startsWith('(top level)') ? `${key}.config${p.slice('(top level)'.length)}` : `${key}.config.${p}`);
        }
        continue;
      }
      try {
        const handler = await mod.create(Object.freeze(scriptConfig), services);
        if (typeof handler !== 'function') throw new Error('create() did not return a function');
        hooks.set(hook, { handler: handler as ScriptHandler<HookName>, timeoutMs: hc.timeoutMs ?? defaultTimeout, module: modulePath });
      } catch (err) {
        problems.push(`${key}: create() failed: ${(err as Error).message}`);
      }
    }
    if (problems.length) throw new ConfigError('interception scripts', problems);
    return new ScriptRuntime(hooks);
  }

  /** The module file each hook runs (for the start-up log). */
  modules(): Record<string, string> {
    return Object.fromEntries([...this.#hooks].map(([h, l]) => [h, l.module]));
  }

  /**
   * Runs a hook within its time limit; every failure comes out as a DirgateError.
   * This runs several times per request, so its bookkeeping is kept small: a
   * script that answers synchronously gets no timer, and the abort signal is
   * only made when a script asks for it (an AbortController is the costliest
   * part of a call otherwise).
   */
  run<H extends HookName>(hook: H, input: HookInput<H>, options: { requestId?: string } = {}): Promise<HookOutput<H>> {
    const loaded = this.#hooks.get(hook);
    if (!loaded) return Promise.reject(new DirgateError('ERR_INTERNAL', `no script is loaded for hook ${hook}`, { reason: 'script-missing' }));
    let controller: AbortController | undefined;
    const ctx = {
      ...(options.requestId ? { requestId: options.requestId } : {}),
      get signal(): AbortSignal {
        controller ??= new AbortController();
        return controller.signal;
      },
    } as CallContext;
    let pending: Promise<HookOutput<H>> | HookOutput<H>;
    try {
      pending = (loaded.handler as unknown as ScriptHandler<H>)(input, ctx);
    } catch (err) {
      return Promise.reject(scriptFailure(hook, err));
    }
    if (!isThenable(pending)) return Promise.resolve(pending);
    const answer = pending;
    return new Promise<HookOutput<H>>((resolve, reject) => {
      const timer = setTimeout(() => {
        controller?.abort();
        reject(new DirgateError('ERR_INTERNAL', `interception script ${hook} did not finish within ${loaded.timeoutMs} ms`, { reason: 'script-timeout' }));
      }, loaded.timeoutMs);
      answer.then(
        (value) => { clearTimeout(timer); resolve(value); },
        (err: unknown) => { clearTimeout(timer); reject(scriptFailure(hook, err)); },
      );
    });
  }
}
