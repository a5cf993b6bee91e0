import { JetStreamClient, JetStreamManager, MsgHdrs, PubAck } from 'nats';
import { AsyncCallResult, SubjectRegistry } from '@skiff/contracts';
import { AsyncResultStore, isWrongRevision } from './async-store';

const TERMINAL = new Set(['succeeded', 'failed', 'dead-lettered', 'cancelled']);

/** A call ready to be stored in the async stream. */
export interface AsyncSubmission {
  /** The call id. */
  callId: string;
  /** Function namespace. */
  namespace: string;
  /** Function name. */
  name: string;
  /** NATS headers (invoke codec plus async metadata). */
  headers: MsgHdrs;
  /** Body. */
  data: Uint8Array;
}

/** What `submit` did. */
export type SubmitOutcome = 'queued' | 'duplicate' | 'requeued';

/**
 * Stores async calls: records the `queued` state and publishes the call, awaited together. Shared by
 * the gateway (`/async-function`) and every trigger (topic router, cron), so all enter the queue alike.
 */
export class AsyncSubmitter {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly results: AsyncResultStore,
    private readonly subjects: SubjectRegistry,
  ) {}

  /**
   * Records the call as queued and stores it; resolves once JetStream acked both (rejects when the
   * publish failed). The state write and the publish leave on one connection back to back (the server
   * applies them in that order, so a worker never sees the call before its `queued` state).
   * `reopenFinished`: a known call id whose call is over runs again as a new call (the gateway's
   * behaviour for a caller reusing an id); without it a known id is a duplicate (triggers, whose ids
   * are derived from the triggering message, so a redelivery never runs a function twice).
   * `onStateError` hears about a state write that failed while the call was stored.
   */
  async submit(call: AsyncSubmission, options: { reopenFinished: boolean; onStateError?: (err: Error) => void }): Promise<SubmitOutcome> {
    const queued: AsyncCallResult = { callId: call.callId, name: call.name, namespace: call.namespace, state: 'queued', attempts: 0, queuedAt: Date.now() };
    const created = this.results.create(queued).then(
      () => true,
      (err: Error) => (isWrongRevision(err) ? false : Promise.reject(err)),
    );
    const published = this.publish(call, call.callId);
    const [fresh, ack] = await Promise.allSettled([created, published]);
    if (ack.status === 'rejected') {
      if (fresh.status === 'fulfilled' && fresh.value) await this.results.remove(call.callId).catch(() => undefined);
      throw ack.reason as Error;
    }
    if (fresh.status === 'rejected') {
      // Stored but its state is not: a worker still runs it (it records the state itself).
      options.onStateError?.(fresh.reason as Error);
      return 'queued';
    }
    if (fresh.value) return 'queued';
    if (ack.value.duplicate) return 'duplicate';
    const previous = await this.results.get(call.callId).catch(() => undefined);
    if (!options.reopenFinished) {
      // Not a duplicate within the window: either the first publish never happened (state still
      // `queued`: keep this copy) or the call ran long ago (drop this copy).
      if (!previous || previous.value.state === 'queued') return 'queued';
      await this.jsm.streams.deleteMessage(this.subjects.asyncStream, ack.value.seq, false).catch(() => undefined);
      return 'duplicate';
    }
    // A call id seen before, outside JetStream's duplicate window: when that call is over, run this
    // one as a new call (a worker skips messages whose call is finished, so re-open it and re-send).
    if (!previous || !TERMINAL.has(previous.value.state)) return 'queued';
    await this.jsm.streams.deleteMessage(this.subjects.asyncStream, ack.value.seq, false).catch(() => undefined);
    await this.results.put(queued);
    await this.publish(call, `${call.callId}.${Date.now()}`);
    return 'requeued';
  }

  private publish(call: AsyncSubmission, msgID: string): Promise<PubAck> {
    return this.js.publish(this.subjects.asyncCall(call.namespace, call.name), call.data, {
      headers: call.headers,
      msgID,
      expect: { streamName: this.subjects.asyncStream },
    });
  }
}
