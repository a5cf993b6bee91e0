// What is known about accepted async calls that never called back: the client's side (each submission,
// which gateway, its answer, when, relative to the node's kill and restart), the bus's side (the call's
// state in the results bucket, whether its message is still in the async, callback or dead-letter
// stream, the consumers' positions) and every service log line naming the call (the gateway logs the
// stream sequence it stored a call at, the queue-worker each claim, retry, settle and callback, at
// SKIFF_LOG_LEVEL=debug). One failing run then says at which step a call was lost.
import { JetStreamManager, NatsConnection, StoredMsg } from 'nats';
import { readAsyncCall } from '@skiff/async';
import { subjects } from '@skiff/contracts';

/** One POST of a call to a gateway. */
export interface Submission {
  gateway: string;
  /** HTTP status (0: no answer). */
  status: number;
  /** ms since the test started. */
  at: number;
  ms: number;
  /** The refusal's body (or the client error). */
  error?: string;
}

/** The client's record of every call it submitted. */
export class CallLedger {
  readonly calls = new Map<string, { index: number; submissions: Submission[] }>();
  readonly t0 = Date.now();
  /** Moments of the test (kill, restart), ms since t0. */
  readonly events: Array<{ at: number; what: string }> = [];

  now(): number {
    return Date.now() - this.t0;
  }

  event(what: string): void {
    this.events.push({ at: this.now(), what });
  }

  record(callId: string, index: number, s: Submission): void {
    const call = this.calls.get(callId) ?? { index, submissions: [] };
    call.submissions.push(s);
    this.calls.set(callId, call);
  }

  describe(callId: string): string {
    const call = this.calls.get(callId);
    if (!call) return 'never submitted';
    const subs = call.submissions.map(
      (s) => `${s.gateway}@${s.at}ms(${s.ms}ms)→${s.status}${s.error ? ` "${s.error.slice(0, 160)}"` : ''}`,
    );
    return `call #${call.index}: ${subs.join(', ')}`;
  }
}

interface StreamScan {
  /** Messages still in the stream, by call id. */
  byCall: Map<string, Array<{ seq: number; subject: string; time: string }>>;
  summary: string;
}

/** Reads every message left in `stream` (bounded; the async and callback streams are work queues, nearly empty when all went well). */
async function scanStream(jsm: JetStreamManager, stream: string, limit = 5000): Promise<StreamScan> {
  const byCall: StreamScan['byCall'] = new Map();
  const info = await jsm.streams.info(stream);
  const { first_seq, last_seq, messages, num_deleted } = info.state;
  const leader = info.cluster?.leader;
  const replicas = (info.cluster?.replicas ?? []).map(
    (r) => `${r.name}${r.current ? '' : '(behind)'}${r.offline ? '(offline)' : ''} lag ${r.lag ?? 0}`,
  );
  let read = 0;
  for (let seq = first_seq; seq <= last_seq && read < Math.min(messages, limit); seq++) {
    let m: StoredMsg;
    try {
      m = await jsm.streams.getMessage(stream, { seq });
    } catch {
      continue;
    }
    read++;
    const id = readAsyncCall(m.header).callId ?? `?seq-${seq}`;
    const list = byCall.get(id) ?? [];
    list.push({ seq, subject: m.subject, time: m.time.toISOString() });
    byCall.set(id, list);
  }
  const summary = `${stream}: ${messages} messages (seq ${first_seq}..${last_seq}, ${num_deleted ?? 0} deleted), leader ${leader}, replicas ${replicas.join(', ')}`;
  return { byCall, summary };
}

async function consumerSummary(jsm: JetStreamManager, stream: string, durable: string): Promise<string> {
  try {
    const c = await jsm.consumers.info(stream, durable);
    return (
      `${stream}/${durable}: delivered stream seq ${c.delivered.stream_seq}, ack floor stream seq ${c.ack_floor.stream_seq}, ` +
      `pending ${c.num_pending}, ack pending ${c.num_ack_pending}, redelivered ${c.num_redelivered}, waiting pulls ${c.num_waiting}, ` +
      `leader ${c.cluster?.leader}, replicas ${(c.cluster?.replicas ?? []).map((r) => `${r.name}${r.current ? '' : '(behind)'}`).join(', ')}`
    );
  } catch (err) {
    return `${stream}/${durable}: ${(err as Error).message}`;
  }
}

/** Lines of every service log naming `callId` (the JSON lines, shortened). */
function logLinesOf(logs: Array<{ name: string; log: string }>, callId: string): string[] {
  const out: string[] = [];
  for (const { name, log } of logs) {
    for (const line of log.split('\n')) {
      if (!line.includes(callId)) continue;
      let text = line;
      try {
        const j = JSON.parse(line) as Record<string, unknown>;
        const { level, time, msg, context, ...rest } = j;
        delete rest.service;
        delete rest.pid;
        delete rest.callId;
        text = `${String(time).slice(11, 23)} ${String(level)} ${String(context ?? '')}: ${String(msg)} ${JSON.stringify(rest)}`;
      } catch {
        // not JSON: as printed
      }
      out.push(`    [${name}] ${text.slice(0, 400)}`);
    }
  }
  return out;
}

/**
 * The report on `missing` (accepted call ids without a callback): per call the ledger, its state in
 * the results bucket, where its message still is, and its log lines; then the streams and consumers.
 */
export async function lossReport(
  nc: NatsConnection,
  fn: { namespace: string; name: string },
  missing: string[],
  ledger: CallLedger,
  logs: Array<{ name: string; log: string; exit?: string }>,
): Promise<string> {
  const lines: string[] = [];
  lines.push(`test events: ${ledger.events.map((e) => `${e.what}@${e.at}ms`).join(', ')}; report at ${ledger.now()}ms`);
  const safe = async <T>(what: string, f: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await f();
    } catch (err) {
      lines.push(`${what}: ${(err as Error).message}`);
      return undefined;
    }
  };
  const jsm = await nc.jetstreamManager();
  const js = nc.jetstream();
  const kv = await safe('results bucket', () => js.views.kv(subjects.asyncResultsBucket, { bindOnly: true }));
  const scans: Record<string, StreamScan | undefined> = {};
  for (const stream of [subjects.asyncStream, subjects.asyncCallbackStream, subjects.asyncDeadLetterStream]) {
    scans[stream] = await safe(`scan ${stream}`, () => scanStream(jsm, stream));
    if (scans[stream]) lines.push(scans[stream].summary);
  }
  lines.push(await consumerSummary(jsm, subjects.asyncStream, subjects.asyncConsumer(fn.namespace, fn.name)));
  lines.push(await consumerSummary(jsm, subjects.asyncCallbackStream, subjects.asyncCallbackConsumer));
  // Services that exited or logged an error or worse (a provider that lost its lease exits: its replicas go with it).
  for (const { name, log, exit } of logs) {
    if (exit !== undefined) lines.push(`service ${name}: exited (${exit})`);
    const bad = log.split('\n').filter((line) => /"level":"(error|fatal)"/.test(line));
    for (const line of bad.slice(0, 20)) lines.push(`  [${name}] ${line.slice(0, 300)}`);
    if (bad.length > 20) lines.push(`  [${name}] … ${bad.length - 20} more error lines`);
  }
  for (const callId of missing) {
    lines.push(`- ${callId}: ${ledger.describe(callId)}`);
    const key = subjects.asyncCallKey(fn.namespace, fn.name, callId);
    const entry = kv ? await safe(`  state of ${callId}`, () => kv.get(key)) : undefined;
    if (!entry) lines.push('  state: none in the results bucket');
    else if (entry.operation !== 'PUT')
      lines.push(`  state: ${entry.operation} at revision ${entry.revision} (${entry.created.toISOString()})`);
    else {
      const v = entry.json<Record<string, unknown>>();
      const { headers: _h, body: _b, requestDigest: _d, ...shown } = v;
      lines.push(`  state (revision ${entry.revision}, ${entry.created.toISOString()}): ${JSON.stringify(shown)}`);
    }
    for (const [stream, scan] of Object.entries(scans)) {
      const held = scan?.byCall.get(callId);
      if (held) lines.push(`  still in ${stream}: ${held.map((h) => `seq ${h.seq} (${h.time})`).join(', ')}`);
    }
    const logged = logLinesOf(logs, callId);
    lines.push(logged.length ? `  log lines:\n${logged.join('\n')}` : '  no log line names it');
  }
  return lines.join('\n');
}
