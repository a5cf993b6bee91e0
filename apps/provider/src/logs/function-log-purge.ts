import { Inject, Injectable, Logger } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { subjects } from '@skiff/contracts';
import { isJetStreamError, NATS_CONNECTION } from '@skiff/nats';

/**
 * Forgets the log lines of a deleted function, so a new function deployed later under the same name
 * starts with empty logs (as a new Deployment or container does with OpenFaaS). Failures are logged,
 * never fatal: logs are history, the registry write already happened.
 */
@Injectable()
export class FunctionLogPurge {
  private readonly logger = new Logger('Logs');

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  /** The stream's last sequence now (0 when it has none yet): lines up to it predate a deploy. */
  async mark(): Promise<number> {
    try {
      const jsm = await this.nc.jetstreamManager();
      return (await jsm.streams.info(subjects.logStream)).state.last_seq;
    } catch {
      return 0;
    }
  }

  /** Purges the function's lines (those up to `upTo` only, when given). */
  async purge(namespace: string, name: string, upTo?: number): Promise<void> {
    if (upTo === 0) return;
    try {
      const jsm = await this.nc.jetstreamManager();
      const filter = subjects.functionLogFilter(namespace, name);
      await jsm.streams.purge(subjects.logStream, upTo === undefined ? { filter } : { filter, seq: upTo + 1 });
    } catch (err) {
      if (isJetStreamError(err, 'streamNotFound')) return;
      this.logger.warn({ msg: 'could not purge the logs', function: `${name}.${namespace}`, error: (err as Error).message });
    }
  }
}
