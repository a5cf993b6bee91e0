import { Inject, Injectable } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { Gauge, Registry } from 'prom-client';
import { subjects } from '@skiff/contracts';
import { NATS_CONNECTION } from '@skiff/nats';
import { METRICS_REGISTRY } from '@skiff/observability';

/**
 * Queue depth on scrape, from JetStream itself (so it is the same whichever worker is asked):
 * `skiff_async_queue_depth{function_name,state}` per function consumer (`waiting`: not yet
 * delivered, `running`: delivered and not yet acked) and `skiff_async_stream_messages`.
 */
@Injectable()
export class QueueDepthMetrics {
  constructor(@Inject(NATS_CONNECTION) nc: NatsConnection, @Inject(METRICS_REGISTRY) registry: Registry) {
    new Gauge({
      name: 'skiff_async_queue_depth',
      help: 'Async calls per function waiting for delivery (waiting) or being worked on (running)',
      labelNames: ['function_name', 'state'],
      registers: [registry],
      async collect() {
        this.reset();
        try {
          const jsm = await nc.jetstreamManager();
          for await (const info of jsm.consumers.list(subjects.asyncStream)) {
            const [, namespace, name] = info.name.split('_');
            if (!namespace || !name) continue;
            const fn = `${name}.${namespace}`;
            this.set({ function_name: fn, state: 'waiting' }, info.num_pending);
            this.set({ function_name: fn, state: 'running' }, info.num_ack_pending);
          }
        } catch {
          // JetStream unavailable: no samples (health reports the connection).
        }
      },
    });
    new Gauge({
      name: 'skiff_async_stream_messages',
      help: 'Messages stored in the async stream (accepted calls not yet finished)',
      registers: [registry],
      async collect() {
        try {
          const jsm = await nc.jetstreamManager();
          this.set((await jsm.streams.info(subjects.asyncStream)).state.messages);
        } catch {
          // no stream yet
        }
      },
    });
  }
}
