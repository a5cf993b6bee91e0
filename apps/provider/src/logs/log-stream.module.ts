import { Inject, Injectable, Logger, Module, OnModuleInit } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { subjects } from '@skiff/contracts';
import { LOG_STREAM_OPTIONS, LogStreamOptions, NATS_CONNECTION, ensureLogStream } from '@skiff/nats';

/** Creates the function log stream at start (the provider owns it), with the configured bounds. */
@Injectable()
export class LogStreamSetup implements OnModuleInit {
  private readonly logger = new Logger('Logs');

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(LOG_STREAM_OPTIONS) private readonly options: LogStreamOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    const { options } = this;
    await ensureLogStream(this.nc, subjects, options);
    this.logger.log({
      msg: 'function log stream ready',
      stream: subjects.logStream,
      maxAgeS: options.maxAgeMs / 1000,
      maxBytes: options.maxBytes,
    });
  }
}

/** The function log stream (`<P>_LOGS`): watchdogs write it, the gateway's `/system/logs` reads it. */
@Module({ providers: [LogStreamSetup] })
export class LogStreamModule {}
