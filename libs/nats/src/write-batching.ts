import { NatsConnection } from 'nats';

/** The parts of nats.js 2.x's protocol handler that batching relies on (not public API). */
interface ProtocolInternals {
  outbound?: { size(): number };
  pendingLimit?: number;
  flushPending?: () => void;
  close?: () => Promise<void>;
}

/**
 * Makes a connection write what it has to send once per event-loop turn instead of once per
 * microtask. nats.js flushes its outbound buffer in a microtask after the first command, so every
 * publish or request made from a different I/O callback (one per HTTP request, one per JetStream
 * reply handled) costs its own socket write and wakes the server once more. Batched per turn, the
 * many small JetStream writes of the async path leave in one write: measured with
 * `scripts/bench-async.js`, the NATS server's CPU per async call halves and the services' drops.
 * Large buffers (over the client's own flush threshold) still go at once, and closing flushes first.
 *
 * For throughput paths only (it adds up to one turn of latency to each write). It patches one
 * connection instance through nats.js 2.x internals; when they are not there (another client
 * version) it changes nothing and returns false.
 */
export function batchWrites(nc: NatsConnection): boolean {
  const protocol = (nc as unknown as { protocol?: ProtocolInternals }).protocol;
  const flushNow = protocol?.flushPending?.bind(protocol);
  const close = protocol?.close?.bind(protocol);
  if (!protocol || !flushNow || !close || typeof protocol.outbound?.size !== 'function' || typeof protocol.pendingLimit !== 'number')
    return false;
  let scheduled = false;
  const flushScheduled = () => {
    scheduled = false;
    flushNow();
  };
  protocol.flushPending = () => {
    if (protocol.outbound!.size() >= protocol.pendingLimit!) {
      flushNow();
      return;
    }
    if (scheduled) return;
    scheduled = true;
    setImmediate(flushScheduled);
  };
  protocol.close = () => {
    flushNow();
    return close();
  };
  return true;
}
