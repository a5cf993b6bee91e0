import { JetStreamClient, NatsConnection } from 'nats';
import { SubjectRegistry } from '@skiff/contracts';
import { AsyncBodyStore } from './async-bodies';
import { readAsyncCall, setStateRevision } from './async-message';
import { AsyncResultStore, openAsyncResultsBucket } from './async-results';
import { AsyncStoreOptions, ensureAsyncStreams } from './async-streams';
import { AsyncSubmission, AsyncSubmitter, SubmitOptions, SubmitOutcome } from './async-submitter';
import { DeadLetter, DeadLetters } from './dead-letters';

/** How to open the queue. */
export interface AsyncQueueOptions extends AsyncStoreOptions {
  /** The JetStream client publishes go through (default: the connection's, with its default timeout). */
  js?: JetStreamClient;
}

/**
 * The async call's stores, opened (and created when missing) once: the async, callback and dead-letter
 * streams, the results bucket and the body store. The gateway, connector-cron and the topic router
 * submit calls through it; the queue-worker runs them from it.
 */
export class AsyncQueue {
  private constructor(
    /** Call states and results. */
    readonly results: AsyncResultStore,
    /** Bodies kept out of line. */
    readonly bodies: AsyncBodyStore,
    /** The dead-letter stream. */
    readonly deadLetters: DeadLetters,
    private readonly submitter: AsyncSubmitter,
    private readonly js: JetStreamClient,
    private readonly nc: NatsConnection,
    private readonly subjects: SubjectRegistry,
    private readonly options: AsyncStoreOptions,
  ) {}

  /** Opens the queue, creating or updating its streams, bucket and body store. */
  static async open(nc: NatsConnection, subjects: SubjectRegistry, options: AsyncQueueOptions): Promise<AsyncQueue> {
    await ensureAsyncStreams(nc, subjects, options);
    const results = new AsyncResultStore(await openAsyncResultsBucket(nc, subjects, options), subjects, nc);
    const bodies = await AsyncBodyStore.open(nc, subjects, options);
    const js = options.js ?? nc.jetstream();
    const deadLetters = new DeadLetters(js, await nc.jetstreamManager(), subjects);
    return new AsyncQueue(results, bodies, deadLetters, new AsyncSubmitter(js, results, subjects), js, nc, subjects, options);
  }

  /** Re-creates the streams and the body store when they were removed (self-healing; the queue-worker's sweep). */
  async ensureStores(): Promise<void> {
    await ensureAsyncStreams(this.nc, this.subjects, this.options);
    await AsyncBodyStore.open(this.nc, this.subjects, this.options);
  }

  /** Stores a call (see AsyncSubmitter.submit). */
  submit(call: AsyncSubmission, options: SubmitOptions = {}): Promise<SubmitOutcome> {
    return this.submitter.submit(call, options);
  }

  /**
   * Puts a dead letter's call back in the async stream (fresh attempts, same call id, its state
   * replaced by a queued one: a replay is the operator's choice), then drops the dead letter.
   */
  async replay(letter: DeadLetter & { call: { callId: string; namespace: string; name: string } }): Promise<void> {
    const { callId, namespace, name } = letter.call;
    const h = this.deadLetters.replayHeaders(letter);
    const { requestDigest } = readAsyncCall(letter.msg.header);
    const revision = await this.results.put({ callId, name, namespace, state: 'queued', attempts: 0, queuedAt: Date.now(), requestDigest });
    setStateRevision(h, revision);
    await this.js.publish(this.subjects.asyncCall(namespace, name), letter.msg.data, {
      headers: h,
      msgID: `${this.subjects.asyncCallKey(namespace, name, callId)}.replay.${letter.id}`,
      expect: { streamName: this.subjects.asyncStream },
    });
    await this.deadLetters.remove(letter.id).catch(() => undefined);
  }
}
