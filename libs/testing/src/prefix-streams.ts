import { connect } from 'nats';
import { SubjectRegistry } from '@skiff/contracts/subjects';

/**
 * Deletes every JetStream stream, KV bucket and object store of a subject prefix. A test platform
 * must leave none behind: JetStream reserves each store's max_bytes on the shared server, so leftovers
 * would soon leave no room for the next test's platform.
 */
export async function deletePrefixStreams(natsUrl: string, prefix: string): Promise<void> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await nc.jetstreamManager();
    const mine = new RegExp(`^(KV_|OBJ_)?${new SubjectRegistry(prefix).streamPrefix}_`);
    for await (const info of jsm.streams.list()) {
      if (mine.test(info.config.name)) await jsm.streams.delete(info.config.name).catch(() => undefined);
    }
  } finally {
    await nc.close();
  }
}
