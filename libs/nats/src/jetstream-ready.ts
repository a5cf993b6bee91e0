import { Logger } from '@nestjs/common';
import { ErrorCode, NatsConnection, NatsError } from 'nats';

const JETSTREAM_INFO = '$JS.API.INFO';

/**
 * A server that has just started (or a cluster still electing its JetStream leader) answers the
 * JetStream API with "no responders" for a while, and a service would fail its start-up on it.
 * Waits until `$JS.API.INFO` answers, at most `waitMs`, asking again after "no responders" or a
 * timeout (a request sent while the client reconnects). Any other error (permissions, a closed
 * connection) ends the wait: the service's own JetStream calls report what is wrong.
 * Resolves with whether JetStream answered.
 */
export async function waitForJetStream(nc: NatsConnection, logger: Logger, waitMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  let warned = false;
  for (;;) {
    try {
      await nc.request(JETSTREAM_INFO, undefined, { timeout: Math.max(1, Math.min(5_000, deadline - Date.now())) });
      return true;
    } catch (err) {
      const code = (err as NatsError).code;
      if ((code !== ErrorCode.NoResponders && code !== ErrorCode.Timeout) || Date.now() >= deadline) return false;
      if (!warned) logger.warn('JetStream does not answer yet (no responders): the server is starting, or runs without JetStream (-js)');
      warned = true;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
