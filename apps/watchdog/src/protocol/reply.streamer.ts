import type { Readable } from 'node:stream';
import { Msg, NatsConnection, createInbox, headers as natsHeaders } from 'nats';
import { INVOKE_HEADERS, STREAM_IDLE_MS } from '@skiff/contracts/invoke-protocol';
import { ChunkReader } from '@skiff/invoke/body-stream';
import { encodeInvokeResponse } from '@skiff/invoke/invoke-codec';
import type { InvokeResponse } from '@skiff/invoke/invoke.types';
import { Logger } from '../logger';

const EMPTY = new Uint8Array(0);

/**
 * Sends a reply whose body is produced over time (or is too large for one message): a first reply
 * with status, headers, whatever bytes are ready and `Skiff-Stream: <inbox>`, then one chunk per
 * pull the caller sends to that inbox (see the invoke protocol). The caller's pace is the flow
 * control: the source is read only when a pull asks. A caller that stops pulling for
 * STREAM_IDLE_MS, or the call's deadline, ends the stream and cancels the work.
 */
export class ReplyStreamer {
  constructor(
    private readonly nc: NatsConnection,
    private readonly chunk: number,
    private readonly log: Logger,
    /** The replica's inbox prefix: the caller pulls from an inbox only this replica may subscribe to. */
    private readonly inboxPrefix: string,
  ) {}

  /** Resolves when the stream ended (fully sent, failed, abandoned or past `deadline`; 0 = none). */
  async send(msg: Msg, res: InvokeResponse, source: Readable, started: number, deadline: number, cancel: () => void): Promise<void> {
    const reader = new ChunkReader(source, this.chunk);
    const first = reader.ready ? await reader.next().catch(() => EMPTY) : EMPTY;
    const subject = createInbox(this.inboxPrefix);
    const sub = this.nc.subscribe(subject);
    const head = {
      ...res,
      headers: { ...res.headers, 'X-Duration-Seconds': ((performance.now() - started) / 1000).toFixed(6) },
      body: first ?? EMPTY,
    };
    const { headers, data } = encodeInvokeResponse(head);
    headers.set(INVOKE_HEADERS.stream, subject);
    let finished = false;
    let idle: NodeJS.Timeout | undefined;
    const abandon = (why: string) => {
      if (finished) return;
      this.log.warn(`Streamed reply abandoned: ${why}`);
      sub.unsubscribe();
    };
    const armIdle = () => {
      const left = deadline ? Math.max(1, deadline - Date.now()) : STREAM_IDLE_MS;
      idle = setTimeout(() => abandon('the caller stopped reading'), Math.min(STREAM_IDLE_MS, left));
    };
    try {
      msg.respond(data, { headers });
    } catch (err) {
      this.log.error('Could not send the reply head', { err: (err as Error).message });
      sub.unsubscribe();
      cancel();
      source.destroy();
      return;
    }
    armIdle();
    try {
      for await (const pull of sub) {
        clearTimeout(idle);
        const h = natsHeaders();
        h.set(INVOKE_HEADERS.seq, pull.headers?.get(INVOKE_HEADERS.seq) || '0');
        let part: Uint8Array | null = EMPTY;
        try {
          part = await reader.next();
          if (part === null) finished = true;
        } catch (err) {
          finished = true;
          h.set(
            INVOKE_HEADERS.error,
            deadline && Date.now() >= deadline ? 'the function timed out' : `the function's output broke off: ${(err as Error).message}`,
          );
        }
        if (finished) h.set(INVOKE_HEADERS.end, '1');
        try {
          pull.respond(part ?? EMPTY, { headers: h });
        } catch (err) {
          this.log.warn('Could not send a reply chunk', { err: (err as Error).message });
          break;
        }
        if (finished) break;
        armIdle();
      }
    } finally {
      clearTimeout(idle);
      sub.unsubscribe();
      if (!finished) {
        cancel();
        source.destroy();
      }
    }
  }
}
