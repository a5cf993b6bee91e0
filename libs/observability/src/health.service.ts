import { Inject, Injectable, BeforeApplicationShutdown, Optional } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { NATS_CONNECTION } from '@skiff/nats';

/** A named check; returns an error message when unhealthy. */
export type HealthCheck = () => string | undefined | Promise<string | undefined>;

/** Liveness and readiness of one service. */
@Injectable()
export class HealthService implements BeforeApplicationShutdown {
  private stopping = false;
  private readonly checks = new Map<string, HealthCheck>();

  constructor(@Optional() @Inject(NATS_CONNECTION) nc?: NatsConnection) {
    if (nc) this.register('nats', () => (nc.isClosed() ? 'connection closed' : undefined));
  }

  /** Adds a check (e.g. "registry watch running"). */
  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  /** Runs every check; `ok` is false when any fails or the service is stopping. */
  async report(): Promise<{ ok: boolean; checks: Record<string, string> }> {
    const checks: Record<string, string> = {};
    let ok = !this.stopping;
    if (this.stopping) checks.shutdown = 'stopping';
    for (const [name, check] of this.checks) {
      const problem = await Promise.resolve()
        .then(check)
        .catch((e: Error) => e.message);
      checks[name] = problem ?? 'ok';
      if (problem) ok = false;
    }
    return { ok, checks };
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
  }
}
