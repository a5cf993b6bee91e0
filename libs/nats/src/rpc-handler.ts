import { MessagePattern, ServerNats } from '@nestjs/microservices';
import type { MessageHandler } from '@nestjs/microservices';
import { RpcName, subjects } from '@skiff/contracts/subjects';
import { NatsServiceOptions, createNatsTransport } from './nats-options';

/** The services that answer RPCs in a queue group of their own. */
export type RpcQueue = 'provider' | 'scaler';

/**
 * Marks a controller method as the handler of one request/reply subject, named without the prefix:
 * the server (RpcServer) adds the prefix and the queue group when it starts listening, after main.ts
 * has set the prefix from the configuration (a decorator runs at import time, too early to read it).
 */
export function RpcHandler(name: RpcName, queue: RpcQueue): MethodDecorator {
  return MessagePattern(name, { queue });
}

/** Nest's NATS server, subscribing each RpcHandler on `<prefix>.<name>` in the `<prefix>-<service>` queue group. */
export class RpcServer extends ServerNats {
  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    const queue = extras.queue as RpcQueue | undefined;
    super.addHandler(subjects.rpc(pattern as RpcName), callback, isEventHandler, {
      ...extras,
      queue: queue === undefined ? undefined : subjects.queues[queue],
    });
  }
}

/** The microservice options of a service that serves RpcHandler methods. */
export function createRpcServer(options: NatsServiceOptions): { strategy: RpcServer } {
  return { strategy: new RpcServer(createNatsTransport(options).options!) };
}
