import type { NatsConnection } from 'nats';
import { SubjectRegistry, subjects as fileSubjects } from '@skiff/contracts/subjects';

/**
 * Deletes every stream, KV bucket and object store of one subject prefix (default: the test file's).
 * Many test platforms share the run's server, and JetStream reserves each stream's max_bytes while it
 * exists: a test that leaves its streams behind takes storage from the ones after it.
 */
export async function deletePrefixStreams(nc: NatsConnection, subjects: SubjectRegistry = fileSubjects): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const mine = new RegExp(`^(KV_|OBJ_)?${subjects.streamPrefix}_`);
  const names: string[] = [];
  for await (const info of jsm.streams.list()) if (mine.test(info.config.name)) names.push(info.config.name);
  for (const name of names) await jsm.streams.delete(name).catch(() => undefined);
}
