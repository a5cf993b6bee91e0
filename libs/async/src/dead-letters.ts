import { ErrorCode, JetStreamClient, JetStreamManager, MsgHdrs, NatsError, StoredMsg } from 'nats';
import { ASYNC_HEADERS, DeadLetterSummary, ERROR_CODES, INVOKE_HEADERS, SkiffError, SubjectRegistry } from '@skiff/contracts';
import { isJetStreamError } from '@skiff/nats';
import { copyCallHeaders, readAsyncCall } from './async-message';

const EMPTY = new Uint8Array(0);
/** Headers a replay does not copy: the dead letter's own, and the revision of the state of the first run. */
const DEAD_HEADERS = [
  ASYNC_HEADERS.deadStatus,
  ASYNC_HEADERS.deadReason,
  ASYNC_HEADERS.deadAttempts,
  ASYNC_HEADERS.deadAt,
  ASYNC_HEADERS.stateRevision,
];

/** The manager's direct-get API (present at runtime, missing from the public typings of nats 2.29). */
type WithDirectGet = JetStreamManager & {
  direct: { getMessage(stream: string, query: { seq: number; next_by_subj: string }): Promise<StoredMsg> };
};

/** Why a call was given up. */
export interface DeadLetterCause {
  /** HTTP status of the last attempt (0 when none could run). */
  status: number;
  /** Why (one line is kept). */
  reason: string;
  /** Attempts made. */
  attempts: number;
}

/** A dead letter read back: which call of which function, when it is readable as one. */
export interface DeadLetter {
  /** Its sequence in the dead-letter stream (the id the API shows). */
  id: number;
  /** The stored message. */
  msg: StoredMsg;
  /** The call (absent when the message is not a readable call: no function, id or method). */
  call?: { callId: string; namespace: string; name: string };
}

/**
 * The dead-letter stream: calls given up, kept with their request (and their out-of-line body, which
 * a replay needs) until they are replayed, dropped or older than SKIFF_ASYNC_DEAD_LETTER_MAX_AGE_S.
 * The queue-worker writes them; the gateway lists, replays and drops them.
 */
export class DeadLetters {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly subjects: SubjectRegistry,
  ) {}

  /** Stores a call given up (its message's headers and data, plus why); resolves to its id. */
  async publish(
    call: { seq: number; headers?: MsgHdrs; data?: Uint8Array },
    callId: string,
    fn: { namespace: string; name: string },
    cause: DeadLetterCause,
  ): Promise<number> {
    const h = copyCallHeaders(call.headers);
    h.set(ASYNC_HEADERS.callId, callId);
    h.set(ASYNC_HEADERS.deadStatus, String(cause.status));
    h.set(ASYNC_HEADERS.deadReason, oneLine(cause.reason));
    h.set(ASYNC_HEADERS.deadAttempts, String(cause.attempts));
    h.set(ASYNC_HEADERS.deadAt, String(Date.now()));
    const ack = await this.js.publish(this.subjects.asyncDeadLetter(fn.namespace, fn.name), call.data ?? EMPTY, {
      headers: h,
      msgID: `dl.${callId}.${call.seq}`,
    });
    return ack.seq;
  }

  /** Dead letters, oldest first, of one function, one namespace or all (at most `limit`). */
  async list(namespace: string | undefined, name: string | undefined, limit: number): Promise<DeadLetterSummary[]> {
    const filter = this.subjects.asyncDeadLetterFilter(namespace, name);
    const out: DeadLetterSummary[] = [];
    let seq = 1;
    while (out.length < limit) {
      let msg: StoredMsg;
      try {
        msg = await (this.jsm as WithDirectGet).direct.getMessage(this.subjects.asyncDeadLetterStream, { seq, next_by_subj: filter });
      } catch (err) {
        // The end of the list: a direct get answers a plain 404 (no JetStream API error).
        if ((err as NatsError).code === ErrorCode.JetStream404NoMessages || isJetStreamError(err, 'noMessageFound', 'streamNotFound'))
          break;
        throw err;
      }
      out.push(this.summarise(msg));
      seq = msg.seq + 1;
    }
    return out;
  }

  /** One dead letter; SkiffError `async/call-not-found` (404) when there is none with that id. */
  async get(id: number): Promise<DeadLetter> {
    let msg: StoredMsg;
    try {
      msg = await this.jsm.streams.getMessage(this.subjects.asyncDeadLetterStream, { seq: id });
    } catch (err) {
      if (isJetStreamError(err, 'noMessageFound', 'streamNotFound'))
        throw new SkiffError(ERROR_CODES.callNotFound, `no dead letter with id ${id}`);
      throw err;
    }
    const fn = this.subjects.asyncFunctionOf(msg.subject);
    const meta = readAsyncCall(msg.header);
    const call = fn && meta.callId && meta.hasRequest ? { callId: meta.callId, ...fn } : undefined;
    return { id, msg, call };
  }

  /** One dead letter as `list` shows it; SkiffError `async/call-not-found` (404) when there is none with that id. */
  async summary(id: number): Promise<DeadLetterSummary> {
    return this.summarise((await this.get(id)).msg);
  }

  /** Removes a dead letter (its out-of-line body is the caller's to remove). */
  async remove(id: number): Promise<void> {
    await this.jsm.streams.deleteMessage(this.subjects.asyncDeadLetterStream, id, false);
  }

  /** The headers a replay of the dead letter publishes: the call's own, without the dead letter's. */
  replayHeaders(letter: DeadLetter): MsgHdrs {
    const h = copyCallHeaders(letter.msg.header, DEAD_HEADERS);
    h.set(ASYNC_HEADERS.queuedAt, String(Date.now()));
    return h;
  }

  private summarise(msg: StoredMsg): DeadLetterSummary {
    const h = msg.header;
    const fn = this.subjects.asyncFunctionOf(msg.subject);
    const meta = readAsyncCall(h);
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
      queuedAt: meta.queuedAt ? new Date(meta.queuedAt).toISOString() : undefined,
      deadAt: new Date(deadAt || msg.time.getTime()).toISOString(),
      callbackUrl: meta.callbackUrl,
      bodySize: msg.data.length,
    };
  }
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 1024);
}
