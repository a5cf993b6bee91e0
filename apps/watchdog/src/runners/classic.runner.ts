import type { InvokeRequest, InvokeResponse } from '@skiff/invoke/invoke.types';
import { forkFunction } from './fork-process';
import { ForkRunner } from './fork.runner';
import { lineSplitter } from '../sinks/function-log.sink';
import { headerValue, textResponse } from './runner.types';
import { CLASSIC_FORKING, classicWrote } from '../sinks/watchdog-log-lines';

/**
 * Classic watchdog: forks `fprocess` per call with the body on stdin and the
 * `Http_*` CGI variables in its environment; stdout (plus stderr when combined) is the answer.
 */
export class ClassicRunner extends ForkRunner {
  invoke(req: InvokeRequest, timeoutMs: number, signal?: AbortSignal): Promise<InvokeResponse> {
    return new Promise((resolve) => {
      const started = performance.now();
      // The classic watchdog's own lines go to the function log, as OpenFaaS shows them.
      this.sink.line('stderr', CLASSIC_FORKING);
      const child = forkFunction(this.command, this.args, req);
      this.running.add(child);
      const output: Buffer[] = [];
      const stderr = lineSplitter(this.sink, 'stderr');
      let timedOut = false;
      let settled = false;
      const timer = timeoutMs > 0 ? setTimeout(() => ((timedOut = true), child.kill('SIGKILL')), timeoutMs) : undefined;
      const cancel = () => {
        this.log.warn('Caller went away: killing fprocess');
        child.kill('SIGKILL');
      };
      if (signal?.aborted) cancel();
      else signal?.addEventListener('abort', cancel, { once: true });

      const finish = (res: InvokeResponse) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', cancel);
        this.running.delete(child);
        stderr.end();
        resolve(res);
      };

      child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => {
        if (this.config.combineOutput) output.push(chunk);
        stderr.push(chunk);
      });
      // A function that never reads stdin closes the pipe early: that is not an error.
      child.stdin.on('error', () => undefined);
      child.stdin.end(req.body);

      child.on('error', (err) => {
        this.log.error('Could not start fprocess', { fprocess: this.config.fprocess, err: err.message });
        finish(textResponse(500, `exec: "${this.command}": ${err.message}\n`));
      });
      child.on('close', (code, signal) => {
        const body = Buffer.concat(output);
        if (timedOut) {
          this.log.warn(`Killed process after ${timeoutMs} ms: exec_timeout`);
          return finish(textResponse(408, 'Killed process.'));
        }
        if (code !== 0) {
          const reason = signal ? `signal: ${signal === 'SIGKILL' ? 'killed' : signal}` : `exit status ${code}`;
          this.log.warn('Function failed', { reason });
          return finish({ status: 500, headers: this.contentType(req), body: Buffer.concat([Buffer.from(`${reason}\n`), body]) });
        }
        const seconds = (performance.now() - started) / 1000;
        this.sink.line('stderr', classicWrote(body.length, seconds));
        finish({ status: 200, headers: this.contentType(req), body });
      });
    });
  }

  private contentType(req: InvokeRequest): Record<string, string> {
    const type = this.config.contentType ?? headerValue(req.headers, 'content-type');
    return type ? { 'Content-Type': type } : {};
  }
}
