import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClientProxy, NatsRecordBuilder } from '@nestjs/microservices';
import { EmptyResponseException } from '@nestjs/microservices/errors/empty-response.exception';
import { NatsConnection, Msg, Subscription, headers as natsHeaders, JSONCodec } from 'nats';
import { firstValueFrom, timeout, TimeoutError } from 'rxjs';
import type { ClassConstructor } from 'class-transformer';
import { ERROR_CODES, EVENT_PAYLOADS, EventMap, EventName, RpcMap, RpcName, SkiffError, parsePayload, subjects } from '@skiff/contracts';
import { NATS_CONNECTION, NATS_RPC_CLIENT } from './nats.tokens';

const json = JSONCodec<unknown>();

/** Options of one request over the bus. */
export interface RequestOptions {
  /** How long to wait for the reply. Mandatory: a request never waits forever. */
  timeoutMs: number;
  /** Headers propagated with the request (e.g. `X-Call-Id`). */
  headers?: Record<string, string>;
}

/**
 * The typed bus: the only way services talk to each other. Requests go through Nest's NATS
 * client (so `@MessagePattern` handlers answer them); events are plain JSON on the raw connection.
 */
@Injectable()
export class Bus {
  private readonly logger = new Logger(Bus.name);

  constructor(
    @Inject(NATS_RPC_CLIENT) private readonly client: ClientProxy,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  /** Sends a request and waits for its reply; failures come back as SkiffError with an HTTP status. */
  async request<N extends RpcName>(name: N, payload: RpcMap[N]['request'], options: RequestOptions): Promise<RpcMap[N]['response']> {
    let record: unknown = payload;
    if (options.headers && Object.keys(options.headers).length) {
      const h = natsHeaders();
      for (const [k, v] of Object.entries(options.headers)) h.set(k, v);
      record = new NatsRecordBuilder(payload).setHeaders(h).build();
    }
    try {
      return await firstValueFrom(this.client.send<RpcMap[N]['response']>(subjects.rpc(name), record).pipe(timeout(options.timeoutMs)));
    } catch (err) {
      throw toSkiffError(name, err, options.timeoutMs);
    }
  }

  /** Publishes an event to every subscriber (fire and forget). */
  publish<E extends EventName>(name: E, payload: EventMap[E]): void {
    this.nc.publish(subjects.event(name), json.encode(payload));
  }

  /**
   * Subscribes to an event. Payloads are validated; invalid ones are logged and dropped.
   * Handler failures are logged: events have no error channel.
   */
  subscribe<E extends EventName>(name: E, handler: (payload: EventMap[E]) => unknown): Subscription {
    const cls = EVENT_PAYLOADS[name] as ClassConstructor<EventMap[E]>;
    return this.nc.subscribe(subjects.event(name), {
      callback: (err: Error | null, msg: Msg) => {
        if (err) return this.logger.warn({ msg: 'subscription failed', event: name, error: err.message });
        let payload: EventMap[E];
        try {
          payload = parsePayload(cls, json.decode(msg.data));
        } catch (e) {
          return this.logger.warn({ msg: 'dropped an invalid event', event: name, error: (e as Error).message });
        }
        Promise.resolve()
          .then(() => handler(payload))
          .catch((e: unknown) => this.logger.error({ msg: 'event handler failed', event: name, error: (e as Error).message }));
      },
    });
  }
}

/** A request nobody is subscribed to (the service is not running), as opposed to a refusal or a slow answer. */
export class NoResponderError extends SkiffError {
  constructor(name: string) {
    super(ERROR_CODES.unavailable, `no service is answering ${name} (is it running?)`);
  }
}

/** True when the bus said nobody serves the subject asked. */
export function isNoResponder(err: unknown): err is NoResponderError {
  return err instanceof NoResponderError;
}

/** Maps whatever Nest's client threw into a SkiffError. */
export function toSkiffError(name: string, err: unknown, timeoutMs: number): SkiffError {
  if (err instanceof SkiffError) return err;
  if (err instanceof EmptyResponseException) {
    return new NoResponderError(name);
  }
  if (err instanceof TimeoutError) {
    return new SkiffError(ERROR_CODES.unavailable, `${name} did not answer within ${timeoutMs} ms`);
  }
  return SkiffError.fromWire(err);
}
