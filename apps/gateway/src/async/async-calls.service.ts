import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { AsyncCallResult, DeadLetterSummary, ERROR_CODES, SkiffError, subjects } from '@skiff/contracts';
import {
  AsyncBodyStore,
  AsyncQueue,
  AsyncResultStore,
  AsyncSubmission,
  readAsyncCall,
  requestDigestFor,
  requestDigestOf,
  setBodyRef,
  StoredAsyncResult,
} from '@skiff/async';
import { FunctionResolver } from '../registry/function-resolver.service';
import { ASYNC_CONFIG, ASYNC_NATS, AsyncConfig } from './async.env';

const EMPTY = new Uint8Array(0);

export type { AsyncSubmission };

/**
 * The gateway's side of the async store: accepts calls into the async stream (202 only after its
 * ack), reads call states, cancels queued calls, lists, replays and drops dead letters.
 */
@Injectable()
export class AsyncCalls implements OnModuleInit {
  private readonly logger = new Logger(AsyncCalls.name);
  private ready?: Promise<AsyncQueue>;

  constructor(
    @Inject(ASYNC_NATS) private readonly nc: NatsConnection,
    @Inject(ASYNC_CONFIG) private readonly config: AsyncConfig,
    private readonly resolver: FunctionResolver,
  ) {}

  async onModuleInit(): Promise<void> {
    // Best effort: when JetStream is not there yet the gateway still starts and answers 503 for async calls.
    await this.store().catch((e: Error) => this.logger.warn({ msg: 'async store not ready', error: e.message }));
  }

  /** The async queue, opened on first use; retried on the next call after a failure. */
  private store(): Promise<AsyncQueue> {
    this.ready ??= AsyncQueue.open(this.nc, subjects, {
      ...this.config.store,
      js: this.nc.jetstream({ timeout: this.config.publishTimeoutMs }),
    }).catch((err: Error) => {
      this.ready = undefined;
      throw unavailable(err);
    });
    return this.ready;
  }

  /**
   * Records the call as queued and stores it in the async stream; resolves once JetStream acked both.
   * A body larger than `inlineMax` bytes goes to the body store first and the message carries its
   * reference instead (removed again when the call could not be stored or was a duplicate).
   */
  async submit(call: AsyncSubmission, inlineMax: number): Promise<void> {
    const { bodies } = await this.store();
    let bodyRef: string | undefined;
    try {
      if (call.data.length > inlineMax) {
        const digest = requestDigestOf(call.headers, call.data);
        bodyRef = await bodies.put(call.callId, call.data);
        setBodyRef(call.headers, bodyRef);
        call = { ...call, data: EMPTY, digest };
      }
    } catch (err) {
      if (!(err instanceof SkiffError)) this.ready = undefined;
      throw unavailable(err as Error);
    }
    await this.submitStored(call, bodies, bodyRef);
  }

  /** Stores the call whose body is in its data or (bodyRef) already in the body store. */
  private async submitStored(call: AsyncSubmission, bodies: AsyncBodyStore, bodyRef: string | undefined): Promise<void> {
    const queue = await this.store();
    try {
      const outcome = await queue.submit(call, {
        onStateError: (err) =>
          this.logger.warn({
            msg: 'async call stored without its queued state',
            function: `${call.name}.${call.namespace}`,
            callId: call.callId,
            error: err.message,
          }),
        // The trail of one call through the platform (SKIFF_LOG_LEVEL=debug): which stream sequence holds it.
        onStored: (ack, revision) =>
          this.logger.debug({
            msg: 'async call stored',
            function: `${call.name}.${call.namespace}`,
            callId: call.callId,
            seq: ack.seq,
            duplicate: ack.duplicate,
            stateRevision: revision,
          }),
      });
      if (bodyRef && outcome === 'duplicate') await this.removeBody(bodies, bodyRef);
    } catch (err) {
      if (bodyRef) await this.removeBody(bodies, bodyRef);
      // The stream may have been removed: check (and re-create) it on the next call.
      if (!(err instanceof SkiffError)) this.ready = undefined;
      throw unavailable(err as Error);
    }
  }

  /**
   * submit() for a body still arriving (`body`, more than one message or of unknown length): it goes
   * into the body store as it is read, at most `maxBytes` (SkiffError 413 with `tooLarge` beyond, the
   * partial object removed), then the call is submitted with its reference.
   */
  async submitStream(
    call: Omit<AsyncSubmission, 'data' | 'digest'>,
    body: AsyncIterable<Uint8Array>,
    maxBytes: number,
    tooLarge: string,
  ): Promise<void> {
    const { bodies } = await this.store();
    const digest = requestDigestFor(call.headers);
    async function* counted(): AsyncGenerator<Uint8Array> {
      let size = 0;
      for await (const part of body) {
        size += part.length;
        if (size > maxBytes) throw new SkiffError(ERROR_CODES.bodyTooLarge, tooLarge);
        digest.update(part);
        yield part;
      }
    }
    let bodyRef: string;
    try {
      bodyRef = await bodies.putStream(call.callId, counted());
    } catch (err) {
      if (!(err instanceof SkiffError)) this.ready = undefined;
      throw unavailable(err as Error);
    }
    setBodyRef(call.headers, bodyRef);
    await this.submitStored({ ...call, data: EMPTY, digest: digest.digest('hex') }, bodies, bodyRef);
  }

  /**
   * The call `callId` of `fn`, or, without `fn`, the one function's call with that id: 404 when
   * there is none, 409 (naming the functions) when several functions have a call with that id.
   */
  private async lookup(
    results: AsyncResultStore,
    callId: string,
    fn: { namespace: string; name: string } | undefined,
  ): Promise<StoredAsyncResult> {
    const found = await (fn ? results.get({ callId, ...fn }).then((r) => (r ? [r] : [])) : results.find(callId)).catch((err: Error) => {
      throw new SkiffError(ERROR_CODES.unavailable, `async call states unavailable: ${err.message}`);
    });
    const where = fn ? ` for ${fn.name}.${fn.namespace}` : '';
    if (found.length === 0) throw new SkiffError(ERROR_CODES.callNotFound, `no async call with id ${callId}${where} (unknown or expired)`);
    if (found.length > 1) {
      const names = found.map((r) => `${r.value.name}.${r.value.namespace}`).join(', ');
      throw new SkiffError(
        ERROR_CODES.callIdAmbiguous,
        `call id ${callId} is used by several functions (${names}): name one with ?function=<name>.<namespace>`,
      );
    }
    return found[0];
  }

  private async removeBody(bodies: AsyncBodyStore, ref: string): Promise<void> {
    await bodies
      .remove(ref)
      .catch((e: Error) => this.logger.warn({ msg: 'stored body not removed (its TTL removes it later)', bodyRef: ref, error: e.message }));
  }

  /** A call's state; 404 when unknown or expired, 409 when `fn` is not given and several functions used the id. */
  async status(callId: string, fn?: { namespace: string; name: string }): Promise<AsyncCallResult> {
    const { results } = await this.store();
    const { requestDigest: _internal, ...value } = (await this.lookup(results, callId, fn)).value;
    return value;
  }

  /** Cancels a call that has not started; 404 when unknown, 409 once it started (or when the id is ambiguous). */
  async cancel(callId: string, fn?: { namespace: string; name: string }): Promise<void> {
    const { results } = await this.store();
    for (let tries = 0; tries < 5; tries++) {
      const stored = await this.lookup(results, callId, fn);
      fn = stored.value;
      if (stored.value.state === 'cancelled') return;
      if (stored.value.state !== 'queued' || stored.value.attempts > 0) {
        throw new SkiffError(
          ERROR_CODES.callStarted,
          `async call ${callId} is ${stored.value.state === 'queued' ? 'waiting for a retry' : stored.value.state}: only a call that has not started can be cancelled`,
        );
      }
      if (await results.replace({ ...stored.value, state: 'cancelled', finishedAt: Date.now() }, stored.revision)) return;
    }
    throw new SkiffError(ERROR_CODES.callStarted, `async call ${callId} changed while cancelling it; try again`);
  }

  /** Dead letters, oldest first, of one function, one namespace or all. */
  async deadLetters(namespace: string | undefined, name: string | undefined, limit: number): Promise<DeadLetterSummary[]> {
    const { deadLetters } = await this.store();
    return deadLetters.list(namespace, name, limit).catch((err: Error) => {
      throw unavailable(err);
    });
  }

  /** One dead letter; 404 when there is none with that id. */
  async deadLetterSummary(id: number): Promise<DeadLetterSummary> {
    const { deadLetters } = await this.store();
    return deadLetters.summary(id).catch((err: Error) => {
      throw unavailable(err);
    });
  }

  /** Puts a dead letter back in the async stream (fresh attempts, same call id) and drops it. */
  async replay(id: number): Promise<string> {
    const queue = await this.store();
    const letter = await queue.deadLetters.get(id).catch((err: Error) => {
      throw unavailable(err);
    });
    const { call } = letter;
    if (!call)
      throw new SkiffError(ERROR_CODES.invalidRequest, `dead letter ${id} is not a readable call and cannot be replayed; delete it`);
    if (!this.resolver.resolve(call.namespace, call.name)) {
      throw new SkiffError(
        ERROR_CODES.functionNotFound,
        `function ${call.name}.${call.namespace} does not exist: deploy it before replaying dead letter ${id}`,
      );
    }
    await queue.replay({ ...letter, call }).catch((err: Error) => {
      throw unavailable(err);
    });
    return call.callId;
  }

  /** Drops a dead letter (and its out-of-line body); 404 when there is none with that id. */
  async dropDeadLetter(id: number): Promise<void> {
    const { deadLetters, bodies } = await this.store();
    const letter = await deadLetters.get(id).catch((err: Error) => {
      throw unavailable(err);
    });
    await deadLetters.remove(id);
    const { bodyRef } = readAsyncCall(letter.msg.header);
    if (bodyRef) await this.removeBody(bodies, bodyRef);
  }
}

function unavailable(err: Error): SkiffError {
  if (err instanceof SkiffError) return err;
  return new SkiffError(ERROR_CODES.unavailable, `async queue unavailable, the call was not stored: ${err.message}`);
}
