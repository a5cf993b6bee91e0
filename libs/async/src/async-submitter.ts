import { createHash, Hash } from 'node:crypto';
import { JetStreamClient, MsgHdrs, PubAck } from 'nats';
import { AsyncCallResult, ERROR_CODES, INVOKE_HEADERS, SkiffError, SubjectRegistry } from '@skiff/contracts';
import { jetStreamLimits } from '@skiff/config';
import { fullStoreError, storeFailure } from '@skiff/nats';
import { AsyncResultStore, isWrongRevision } from './async-results';
import { setRequestDigest, setStateRevision } from './async-message';

/** A call ready to be stored in the async stream. */
export interface AsyncSubmission {
  /** The call id (scoped per function). */
  callId: string;
  /** Function namespace. */
  namespace: string;
  /** Function name. */
  name: string;
  /** NATS headers (invoke codec plus async metadata). */
  headers: MsgHdrs;
  /** Body (empty when it is stored out of line). */
  data: Uint8Array;
  /**
   * requestDigest of the request; computed from headers and data when absent (give it when the body is
   * out of line); `''` when the id was generated for this call (nothing to compare a resubmission with).
   */
  digest?: string;
}

/** Hooks of one submission (logging). */
export interface SubmitOptions {
  /** The call is stored but its `queued` state could not be written. */
  onStateError?: (err: Error) => void;
  /** JetStream acked the call's message (`ack.duplicate`: a copy was already stored) with the state at `revision`. */
  onStored?: (ack: PubAck, revision: number | undefined) => void;
}

/** What `submit` did: stored a new call, or found this call (same function, id and request) already there. */
export type SubmitOutcome = 'queued' | 'duplicate';

/**
 * A hash over what makes two submissions the same request: method, path, query, then the body
 * (feed it with `update`, in pieces when the body streams). `digest('hex')` gives `requestDigest`.
 */
export function createRequestDigest(method: string, path: string, query: string): Hash {
  return createHash('sha256').update(`${method}\n${path}\n${query}\n`);
}

/** createRequestDigest of an encoded call's method, path and query (invoke-codec headers); feed it the body. */
export function requestDigestFor(headers: MsgHdrs): Hash {
  return createRequestDigest(headers.get(INVOKE_HEADERS.method), headers.get(INVOKE_HEADERS.path), headers.get(INVOKE_HEADERS.query));
}

/** requestDigest of an encoded call (invoke-codec headers plus body). */
export function requestDigestOf(headers: MsgHdrs, body: Uint8Array): string {
  return requestDigestFor(headers).update(body).digest('hex');
}

/**
 * Stores async calls: records the `queued` state, then publishes the call with its revision. Shared by
 * the gateway (`/async-function`) and every trigger (topic router, cron), so all enter the queue alike.
 *
 * A call is `<ns>.<fn>.<id>`: the KV key of its state and its `Nats-Msg-Id`. A known id for the same
 * function is never run again and its state never overwritten: the same request (requestDigest)
 * is a duplicate (the caller gets the same 202 as the first time), another request is a 409.
 */
export class AsyncSubmitter {
  constructor(
    private readonly js: JetStreamClient,
    private readonly results: AsyncResultStore,
    private readonly subjects: SubjectRegistry,
  ) {}

  /**
   * Records the call as queued and stores it; resolves once JetStream acked both (rejects when the
   * publish failed, with SkiffError `async/call-id-conflict` for a known id and another request).
   * The state is written first and the message carries its revision (`Skiff-State-Revision`), so the
   * worker can mark the call running without reading it; a worker never sees the call before its
   * `queued` state. When the state cannot be written (other than a full bucket) the call is still
   * stored (the worker records the state itself); `onStateError` hears about it.
   */
  async submit(call: AsyncSubmission, options: SubmitOptions = {}): Promise<SubmitOutcome> {
    const requestDigest = (call.digest ?? requestDigestOf(call.headers, call.data)) || undefined;
    const queued: AsyncCallResult = {
      callId: call.callId,
      name: call.name,
      namespace: call.namespace,
      state: 'queued',
      attempts: 0,
      queuedAt: Date.now(),
      requestDigest,
    };
    let fresh = false;
    let stateError: Error | undefined;
    let revision: number | undefined;
    try {
      revision = await this.results.create(queued);
      fresh = true;
    } catch (err) {
      // A full results bucket would leave the call without any state the worker could write either.
      const full = fullStoreError(err, 'the async results bucket', jetStreamLimits().asyncResultsBytes);
      if (full) throw full;
      if (!isWrongRevision(err)) stateError = err as Error;
    }
    if (!fresh && !stateError) {
      const previous = await this.results.get(call);
      if (previous?.value.requestDigest && previous.value.requestDigest !== requestDigest) {
        throw new SkiffError(
          ERROR_CODES.callIdConflict,
          `X-Call-Id ${call.callId} was already used for ${call.name}.${call.namespace} with a different request (method, path, query or body): choose a new id`,
        );
      }
      // Running or over: the same call, never run again nor overwritten. Still `queued`: the first
      // submission may have died before its publish, so publish (a copy within the window is dropped).
      if (previous && previous.value.state !== 'queued') return 'duplicate';
    }
    if (requestDigest) setRequestDigest(call.headers, requestDigest);
    let ack: PubAck;
    try {
      ack = await this.publish(call, revision);
    } catch (err) {
      if (fresh) await this.results.remove(call).catch(() => undefined);
      throw this.refusal(err, call) ?? err;
    }
    options.onStored?.(ack, revision);
    if (stateError) {
      // Stored but its state is not: a worker still runs it (it records the state itself).
      options.onStateError?.(stateError);
      return 'queued';
    }
    return !fresh && ack.duplicate ? 'duplicate' : 'queued';
  }

  /** The 429 / 507 for a publish the async stream refused for lack of room, else undefined. */
  private refusal(err: unknown, call: AsyncSubmission): SkiffError | undefined {
    if (storeFailure(err) === 'queue-full') {
      const cap = jetStreamLimits().asyncQueuePerFunction;
      return new SkiffError(
        ERROR_CODES.queueFull,
        `the async queue of ${call.name}.${call.namespace} is full (${cap} calls waiting or running, SKIFF_ASYNC_QUEUE_MAX): the call was not stored, try again later`,
      );
    }
    return fullStoreError(err, 'the async stream', jetStreamLimits().asyncBytes);
  }

  private publish(call: AsyncSubmission, stateRevision: number | undefined): Promise<PubAck> {
    setStateRevision(call.headers, stateRevision);
    return this.js.publish(this.subjects.asyncCall(call.namespace, call.name), call.data, {
      headers: call.headers,
      msgID: this.subjects.asyncCallKey(call.namespace, call.name, call.callId),
      expect: { streamName: this.subjects.asyncStream },
    });
  }
}
