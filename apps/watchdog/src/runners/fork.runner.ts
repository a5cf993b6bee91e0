import { ChildProcess } from 'node:child_process';
import type { InvokeRequest } from '@skiff/invoke/invoke.types';
import { WatchdogConfig } from '../config';
import { FunctionLogSink } from '../sinks/function-log.sink';
import { Logger } from '../logger';
import { parseFprocess } from './fork-process';
import { FunctionRunner, RunnerResponse } from './runner.types';

/** What the fork-per-call modes (classic, streaming) share: the parsed command and the live children. */
export abstract class ForkRunner implements FunctionRunner {
  protected readonly command: string;
  protected readonly args: string[];
  protected readonly running = new Set<ChildProcess>();

  constructor(
    protected readonly config: WatchdogConfig,
    protected readonly log: Logger,
    protected readonly sink: FunctionLogSink,
  ) {
    ({ command: this.command, args: this.args } = parseFprocess(config.fprocess));
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    for (const child of this.running) child.kill('SIGKILL');
  }

  abstract invoke(req: InvokeRequest, timeoutMs: number, signal?: AbortSignal): Promise<RunnerResponse>;
}
