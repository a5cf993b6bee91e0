import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { headers as natsHeaders, JetStreamClient, JetStreamManager, NatsConnection, StoredMsg } from 'nats';
import { ASYNC_HEADERS, AsyncCallResult, DeadLetterSummary, ERROR_CODES, INVOKE_HEADERS, SkiffError, subjects } from '@skiff/contracts';
import {
  AsyncBodyStore,
  AsyncResultStore,
  AsyncSubmission,
  AsyncSubmitter,
  createRequestDigest,
  ensureAsyncStreams,
  openAsyncResultsBucket,
  requestDigestOf,
  StoredAsyncResult,
} from '@skiff/nats';
import { FunctionResolver } from '../registry/function-resolver.service';
import { ASYNC_CONFIG, ASYNC_NATS, AsyncConfig } from './async.env';

/** The manager's direct-get API (present at runtime, missing from the public typings of nats 2.29). */
type WithDirectGet = JetStreamManager & {
  direct: { getMessage(stream: string, query: { seq: number; next_by_subj: string }): Promise<StoredMsg> };
};

const EMPTY = new Uint8Array(0);
/** Headers a replay does not copy: the dead letter's own, and the revision of the state of the first run. */
const DEAD_HEADERS = [
  ASYNC_HEADERS.deadStatus,
  ASYNC_HEADERS.deadReason,
  ASYNC_HEADERS.deadAttempts,
  ASYNC_HEADERS.deadAt,
  ASYNC_HEADERS.stateRevision,
];

export type { AsyncSubmission };

/**
 * The gateway's side of the async store: accepts calls into the async stream (202 only after its
 * ack), reads call states, cancels queued calls, lists, replays and drops dead letters.
 */
@Injectable()
export class AsyncCalls implements OnModuleInit {
  private readonly logger = new Logger(AsyncCalls.name);
  private readonly js: JetStreamClient;
  private ready?: Promise<Store>;

  constructor(
    @Inject(ASYNC_NATS) private readonly nc: NatsConnection,
    @Inject(ASYNC_CONFIG) private readonly config: AsyncConfig,
    private readonly resolver: FunctionResolver,
  ) {
    this.js = nc.jetstream({ timeout: config.publishTimeoutMs });
  }

  async onModuleInit(): Promise<void> {
    // Best effort: when JetStream is not there yet the gateway still starts and answers 503 for async calls.
    await this.store().catch((e: Error) => this.logger.warn(`async store not ready: ${e.message}`));
  }

  /** Streams and bucket, created on first use; retried on the next call after a failure. */
  private store(): Promise<Store> {
    this.ready ??= (async () => {
      await ensureAsyncStreams(this.nc, subjects, this.config.store);
      const kv = await openAsyncResultsBucket(this.nc, subjects, this.config.store);
      const results = new AsyncResultStore(kv, subjects);
      const jsm = await this.nc.jetstreamManager();
      const bodies = await AsyncBodyStore.open(this.nc, subjects, this.config.store);
      return { results, jsm, bodies, submitter: new AsyncSubmitter(this.js, results, subjects) };
    })().catch((err: Error) => {
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
        call.headers.set(ASYNC_HEADERS.bodyRef, bodyRef);
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
    const { submitter } = await this.store();
    try {
      const outcome = await submitter.submit(call, {
        onStateError: (err) => this.logger.warn(`async call ${call.callId} stored without its queued state: ${err.message}`),
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
    const digest = createRequestDigest(
      call.headers.get(INVOKE_HEADERS.method),
      call.headers.get(INVOKE_HEADERS.path),
      call.headers.get(INVOKE_HEADERS.query),
    );
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
    call.headers.set(ASYNC_HEADERS.bodyRef, bodyRef);
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
    const found = fn
      ? [await results.get({ callId, ...fn })].filter((r): r is StoredAsyncResult => r !== undefined)
      : await results.find(callId);
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
      .catch((e: Error) => this.logger.warn(`could not remove the stored body ${ref}: ${e.message} (its TTL removes it later)`));
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
    const { jsm } = await this.store();
    const filter = subjects.asyncDeadLetterFilter(namespace, name);
    const out: DeadLetterSummary[] = [];
    let seq = 1;
    while (out.length < limit) {
      let msg: StoredMsg;
      try {
        msg = await (jsm as WithDirectGet).direct.getMessage(subjects.asyncDeadLetterStream, { seq, next_by_subj: filter });
      } catch (err) {
        if (/no message found|not found|404/i.test((err as Error).message)) break;
        throw unavailable(err as Error);
      }
      out.push(summarise(msg));
      seq = msg.seq + 1;
    }
    return out;
  }

  /** Puts a dead letter back in the async stream (fresh attempts, same call id) and drops it. */
  async replay(id: number): Promise<string> {
    const { jsm, results } = await this.store();
    const msg = await this.deadLetter(jsm, id);
    const fn = subjects.asyncFunctionOf(msg.subject);
    const callId = msg.header.get(ASYNC_HEADERS.callId);
    if (!fn || !callId || !msg.header.get(INVOKE_HEADERS.method)) {
      throw new SkiffError(ERROR_CODES.invalidRequest, `dead letter ${id} is not a readable call and cannot be replayed; delete it`);
    }
    if (!this.resolver.resolve(fn.namespace, fn.name)) {
      throw new SkiffError(
        ERROR_CODES.functionNotFound,
        `function ${fn.name}.${fn.namespace} does not exist: deploy it before replaying dead letter ${id}`,
      );
    }
    const h = natsHeaders();
    for (const key of msg.header.keys()) {
      if (key.startsWith('Nats-') || (DEAD_HEADERS as string[]).includes(key)) continue;
      for (const v of msg.header.values(key)) h.append(key, v);
    }
    h.set(ASYNC_HEADERS.queuedAt, String(Date.now()));
    const requestDigest = msg.header.get(ASYNC_HEADERS.requestDigest) || undefined;
    // A replay is the operator's choice: the dead-lettered state is replaced by a queued one (same id, same request).
    h.set(
      ASYNC_HEADERS.stateRevision,
      String(
        await results.put({
          callId,
          name: fn.name,
          namespace: fn.namespace,
          state: 'queued',
          attempts: 0,
          queuedAt: Date.now(),
          requestDigest,
        }),
      ),
    );
    try {
      await this.js.publish(subjects.asyncCall(fn.namespace, fn.name), msg.data, {
        headers: h,
        msgID: `${subjects.asyncCallKey(fn.namespace, fn.name, callId)}.replay.${id}`,
        expect: { streamName: subjects.asyncStream },
      });
    } catch (err) {
      throw unavailable(err as Error);
    }
    await jsm.streams.deleteMessage(subjects.asyncDeadLetterStream, id, false).catch(() => undefined);
    return callId;
  }

  /** Drops a dead letter (and its out-of-line body); 404 when there is none with that id. */
  async dropDeadLetter(id: number): Promise<void> {
    const { jsm, bodies } = await this.store();
    const msg = await this.deadLetter(jsm, id);
    await jsm.streams.deleteMessage(subjects.asyncDeadLetterStream, id, false);
    const bodyRef = msg.header.get(ASYNC_HEADERS.bodyRef);
    if (bodyRef) await this.removeBody(bodies, bodyRef);
  }

  private async deadLetter(jsm: JetStreamManager, id: number): Promise<StoredMsg> {
    try {
      return await jsm.streams.getMessage(subjects.asyncDeadLetterStream, { seq: id });
    } catch (err) {
      if (/no message found|not found/i.test((err as Error).message))
        throw new SkiffError(ERROR_CODES.callNotFound, `no dead letter with id ${id}`);
      throw unavailable(err as Error);
    }
  }
}

/** What the async API works with, opened once. */
interface Store {
  results: AsyncResultStore;
  jsm: JetStreamManager;
  bodies: AsyncBodyStore;
  submitter: AsyncSubmitter;
}

function unavailable(err: Error): SkiffError {
  if (err instanceof SkiffError) return err;
  return new SkiffError(ERROR_CODES.unavailable, `async queue unavailable, the call was not stored: ${err.message}`);
}

function summarise(msg: StoredMsg): DeadLetterSummary {
  const h = msg.header;
  const fn = subjects.asyncFunctionOf(msg.subject);
  const queuedAt = Number(h.get(ASYNC_HEADERS.queuedAt));
  const deadAt = Number(h.get(ASYNC_HEADERS.deadAt));
  return {
    id: msg.seq,
    callId: h.get(ASYNC_HEADERS.callId),
    name: fn?.name ?? '',
    namespace: fn?.namespace ?? '',
    method: h.get(INVOKE_HEADERS.method),
    path: h.get(INVOKE_HEADERS.path) || '/',
    status: Number(h.get(ASYNC_HEADERS.deadStatus)) || 0,
    reason: h.get(ASYNC_HEADERS.deadReason),
    attempts: Number(h.get(ASYNC_HEADERS.deadAttempts)) || 0,
    queuedAt: queuedAt ? new Date(queuedAt).toISOString() : undefined,
    deadAt: new Date(deadAt || msg.time.getTime()).toISOString(),
    callbackUrl: h.get(ASYNC_HEADERS.callbackUrl) || undefined,
    bodySize: msg.data.length,
  };
}
