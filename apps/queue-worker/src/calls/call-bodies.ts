import { Inject, Injectable, Logger } from '@nestjs/common';
import { AsyncBodyStore, AsyncQueue } from '@skiff/async';
import { ASYNC_QUEUE } from '../queue-worker.tokens';
import { CallContext } from './call-context';

/** A call's body: in its message, or kept out of line in the body store until the call is over. */
@Injectable()
export class CallBodies {
  private readonly logger = new Logger(CallBodies.name);
  private readonly store: AsyncBodyStore;

  constructor(@Inject(ASYNC_QUEUE) queue: AsyncQueue) {
    this.store = queue.bodies;
  }

  /** The call's body: the message's data, or the out-of-line body it refers to (undefined when that is gone). */
  async read(ctx: CallContext): Promise<Uint8Array | undefined> {
    return ctx.meta.bodyRef ? this.store.get(ctx.meta.bodyRef) : ctx.msg.data;
  }

  /** Removes the out-of-line body of a call that is over (after its final ack; a redelivery then finds the call finished). */
  drop(ctx: CallContext): void {
    const ref = ctx.meta.bodyRef;
    if (!ref) return;
    this.store.remove(ref).catch((e: Error) =>
      this.logger.warn({
        msg: 'body of a finished call not removed (its TTL removes it later)',
        callId: ctx.callId,
        bodyRef: ref,
        error: e.message,
      }),
    );
  }
}
