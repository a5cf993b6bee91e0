import type { Logger } from '@nestjs/common';
import type Docker from 'dockerode';

/** Delay before listening again after the events stream ended (dockerd restarting). */
const RECONNECT_MS = 1_000;

/**
 * Follows the Docker events stream (services and containers) and calls `changed` on each event, so
 * task states are listed again at once instead of at the next periodic reconcile. Reconnects when
 * dockerd restarts; `changed` also runs on every reconnect (what happened meanwhile is unknown).
 */
export class DockerEvents {
  private stream?: NodeJS.ReadableStream & { destroy?: () => void };
  private stopped = false;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly docker: Docker,
    private readonly changed: () => void,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    void this.listen();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.stream?.destroy?.();
    this.stream = undefined;
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    try {
      const stream = (await this.docker.getEvents({ filters: { type: ['service', 'container'] } })) as NodeJS.ReadableStream & {
        destroy?: () => void;
      };
      if (this.stopped) return stream.destroy?.();
      this.stream = stream;
      this.changed();
      stream.on('data', () => this.changed());
      stream.on('error', () => undefined);
      const ended = () => this.stream === stream && this.again('the Docker events stream ended');
      stream.on('close', ended);
      stream.on('end', ended);
    } catch (err) {
      this.again(`cannot follow Docker events: ${(err as Error).message}`);
    }
  }

  private again(why: string): void {
    if (this.stopped || this.retry) return;
    this.stream = undefined;
    this.logger.warn({ msg: `${why}; listening again in ${RECONNECT_MS} ms` });
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.listen();
    }, RECONNECT_MS);
    this.retry.unref();
  }
}
