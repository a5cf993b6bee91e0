import { hostname } from 'node:os';
import { format } from 'node:util';
import type { InvokeRequest, InvokeResponse } from '@skiff/invoke/invoke.types';
import { WatchdogConfig } from '../config';
import { FunctionLogSink, FunctionStream } from '../sinks/function-log.sink';
import { FunctionContext } from './inproc.context';
import { BodyParseError, FunctionEvent, toFunctionEvent } from './inproc.event';
import { Logger } from '../logger';
import { FunctionRunner, textResponse } from './runner.types';
import { ofWatchdogRequest } from '../sinks/watchdog-log-lines';

/** The node template's handler signature. */
export type InprocHandler = (event: FunctionEvent, context: FunctionContext, callback: FunctionContext['callback']) => unknown;

/**
 * Runs a JavaScript handler inside the watchdog process (the fastest mode: no fork, no HTTP hop).
 * Semantics follow the node template.
 */
export class InprocRunner implements FunctionRunner {
  private handler!: InprocHandler;
  private readonly hostname = hostname();

  constructor(
    private readonly config: WatchdogConfig,
    private readonly log: Logger,
    private readonly sink: FunctionLogSink,
  ) {}

  async start(): Promise<void> {
    routeConsole(this.sink);
    const path = this.config.handlerModule;
    let mod: unknown;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      mod = require(path);
    } catch (err) {
      throw new Error(`could not load handler_module ${path}: ${(err as Error).message}`);
    }
    const exported = mod as { default?: unknown; handle?: unknown } | undefined;
    const fn = [mod, exported?.default, exported?.handle].find((f) => typeof f === 'function');
    if (!fn) throw new Error(`handler_module ${path} must export a function: module.exports = async (event, context) => ...`);
    this.handler = fn as InprocHandler;
    this.log.info('Loaded handler', { handler_module: path });
  }

  async stop(): Promise<void> {}

  invoke(req: InvokeRequest, timeoutMs: number): Promise<InvokeResponse> {
    let event: FunctionEvent;
    try {
      event = toFunctionEvent(req, this.config.rawBody);
    } catch (err) {
      if (err instanceof BodyParseError) return Promise.resolve(textResponse(400, `${err.message}\n`));
      throw err;
    }
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const started = performance.now();
      const context = new FunctionContext(this.hostname, (res, error) => {
        if (timer) clearTimeout(timer);
        if (error !== undefined) this.sink.line('stderr', error instanceof Error ? (error.stack ?? error.message) : String(error));
        const uri = req.query ? `${req.path}?${req.query}` : req.path;
        this.sink.line('stderr', ofWatchdogRequest(req.method, uri, res.status, res.body.length, (performance.now() - started) / 1000));
        resolve(res);
      });
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          context.abandon();
          this.log.warn(`Handler did not answer within ${timeoutMs} ms`, { path: req.path });
          resolve(textResponse(504, `Function timed out after ${timeoutMs} ms\n`, 'of-watchdog'));
        }, timeoutMs);
      }
      let result: unknown;
      try {
        result = this.handler(event, context, context.callback);
      } catch (err) {
        return context.fail(err);
      }
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
        (result as PromiseLike<unknown>).then(
          (value) => context.succeed(value),
          (err) => context.fail(err),
        );
      } else context.succeed(result);
    });
  }
}

/** Sends the handler's console output to the function log sink instead of raw stdout. */
function routeConsole(sink: FunctionLogSink): void {
  const to =
    (stream: FunctionStream) =>
    (...args: unknown[]) => {
      for (const line of format(...args).split('\n')) sink.line(stream, line);
    };
  console.log = console.info = console.debug = to('stdout');
  console.warn = console.error = to('stderr');
}
