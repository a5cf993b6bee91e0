import { JetStreamClient, JetStreamManager, MsgHdrs, PubAck } from 'nats';
import { ASYNC_HEADERS, AsyncCallResult, SubjectRegistry } from '@skiff/contracts';
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
 * Stores async calls: records the `queued` state, then publishes the call with its revision. Shared by
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
   * publish failed). The state is written first and the message carries its revision
   * (`Skiff-State-Revision`), so the worker can mark the call running without reading it; a worker
   * never sees the call before its `queued` state. When the state cannot be written the call is
   * still stored (the worker records the state itself).
   * `reopenFinished`: a known call id whose call is over runs again as a new call (the gateway's
   * behaviour for a caller reusing an id); without it a known id is a duplicate (triggers, whose ids
   * are derived from the triggering message, so a redelivery never runs a function twice).
   * `onStateError` hears about a state write that failed while the call was stored.
   */
  async submit(call: AsyncSubmission, options: { reopenFinished: boolean; onStateError?: (err: Error) => void }): Promise<SubmitOutcome> {
    const queued: AsyncCallResult = { callId: call.callId, name: call.name, namespace: call.namespace, state: 'queued', attempts: 0, queuedAt: Date.now() };
    let fresh: boolean;
    let stateError: Error | undefined;
    let revision: number | undefined;
    try {
      revision = await this.results.create(queued);
      fresh = true;
    } catch (err) {
      fresh = false;
      if (!isWrongRevision(err)) stateError = err as Error;
    }
    let ack: PubAck;
    try {
      ack = await this.publish(call, call.callId, revision);
    } catch (err) {
      if (fresh) await this.results.remove(call.callId).catch(() => undefined);
      throw err;
    }
    if (stateError) {
      // Stored but its state is not: a worker still runs it (it records the state itself).
      options.onStateError?.(stateError);
      return 'queued';
    }
    if (fresh) return 'queued';
    if (ack.duplicate) return 'duplicate';
    const previous = await this.results.get(call.callId).catch(() => undefined);
    if (!options.reopenFinished) {
      // Not a duplicate within the window: either the first publish never happened (state still
      // `queued`: keep this copy) or the call ran long ago (drop this copy).
      if (!previous || previous.value.state === 'queued') return 'queued';
      await this.jsm.streams.deleteMessage(this.subjects.asyncStream, ack.seq, false).catch(() => undefined);
      return 'duplicate';
    }
    // A call id seen before, outside JetStream's duplicate window: when that call is over, run this
    // one as a new call (a worker skips messages whose call is finished, so re-open it and re-send).
    if (!previous || !TERMINAL.has(previous.value.state)) return 'queued';
    await this.jsm.streams.deleteMessage(this.subjects.asyncStream, ack.seq, false).catch(() => undefined);
    const reopened = await this.results.put(queued);
    await this.publish(call, `${call.callId}.${Date.now()}`, reopened);
    return 'requeued';
  }

  private publish(call: AsyncSubmission, msgID: string, stateRevision: number | undefined): Promise<PubAck> {
    if (stateRevision) call.headers.set(ASYNC_HEADERS.stateRevision, String(stateRevision));
    else if (call.headers.has(ASYNC_HEADERS.stateRevision)) call.headers.delete(ASYNC_HEADERS.stateRevision);
    return this.js.publish(this.subjects.asyncCall(call.namespace, call.name), call.data, {
      headers: call.headers,
      msgID,
      expect: { streamName: this.subjects.asyncStream },
    });
  }
}
