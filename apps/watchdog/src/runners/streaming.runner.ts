import type { Socket } from 'node:net';
import type { InvokeRequest } from '@skiff/invoke/invoke.types';
import { forkFunction } from './fork-process';
import { ForkRunner } from './fork.runner';
import { lineSplitter } from '../sinks/function-log.sink';
import { RunnerResponse, textResponse } from './runner.types';
import { ofWatchdogRequest } from '../sinks/watchdog-log-lines';

const EMPTY = new Uint8Array(0);

/**
 * of-watchdog streaming mode: forks `fprocess` per call with the body on stdin and
 * the CGI variables in its environment; stdout is streamed to the caller as it is produced, stderr
 * goes to the function log. The status is always 200 (headers leave before the process ends), so a
 * failure or an exec_timeout kill only truncates the body (and is logged).
 */
export class StreamingRunner extends ForkRunner {
  invoke(req: InvokeRequest, timeoutMs: number, signal?: AbortSignal): Promise<RunnerResponse> {
    return new Promise((resolve) => {
      const started = performance.now();
      const child = forkFunction(this.command, this.args, req);
      this.running.add(child);
      const stderr = lineSplitter(this.sink, 'stderr');
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.stdin.on('error', () => undefined);
      let reason: string | undefined;
      const kill = (why: string) => {
        reason ??= why;
        child.kill('SIGKILL');
      };
      const timer = timeoutMs > 0 ? setTimeout(() => kill(`exec_timeout of ${timeoutMs} ms`), timeoutMs) : undefined;
      const cancel = () => kill('the caller went away');
      if (signal?.aborted) cancel();
      else signal?.addEventListener('abort', cancel, { once: true });

      child.once('spawn', () => {
        child.stdin.end(req.body);
        const type = this.config.contentType ?? 'application/octet-stream';
        resolve({ status: 200, headers: { 'Content-Type': type }, body: EMPTY, stream: child.stdout });
      });
      child.on('error', (err) => {
        this.log.error('Could not start fprocess', { fprocess: this.config.fprocess, err: err.message });
        resolve(textResponse(500, `exec: "${this.command}": ${err.message}\n`));
      });
      child.on('close', (code, sig) => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', cancel);
        this.running.delete(child);
        stderr.end();
        // of-watchdog's line once the fork ended: the bytes it wrote, 500 when it failed.
        const uri = req.query ? `${req.path}?${req.query}` : req.path;
        const status = reason || code !== 0 ? 500 : 200;
        this.sink.line(
          'stderr',
          ofWatchdogRequest(req.method, uri, status, (child.stdout as unknown as Socket).bytesRead, (performance.now() - started) / 1000),
        );
        if (reason) this.log.warn(`Killed fprocess: ${reason}; the streamed body is truncated`);
        else if (code !== 0)
          this.log.warn('Function failed; the streamed body may be incomplete', { reason: sig ? `signal: ${sig}` : `exit status ${code}` });
      });
    });
  }
}
