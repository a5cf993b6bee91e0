import { NatsConnection } from 'nats';

/**
 * The keys of KV bucket `bucket` matching `filter` (a subject filter over the keys, default all), without
 * deleted or purged ones, read from the bucket stream's subject list: one JetStream API request, so it ends
 * within the API timeout like any other. nats.js `kv.keys()` does not: it waits for a delivery whose
 * `pending` is 0, and when the key is written while it lists that delivery may never come (it also lists a
 * key twice then); the gateway's call status by id hung on it (test/async/async-retries.e2e.ts).
 */
export async function kvKeys(nc: NatsConnection, bucket: string, filter = '>'): Promise<string[]> {
  const jsm = await nc.jetstreamManager();
  const prefix = `$KV.${bucket}.`;
  const info = await jsm.streams.info(`KV_${bucket}`, { subjects_filter: `${prefix}${filter}` });
  const subjects = Object.keys(info.state.subjects ?? {});
  const keys: string[] = [];
  for (const subject of subjects) {
    // A deleted or purged key keeps its marker (the subject's last message) until it ages out.
    const last = await jsm.streams.getMessage(`KV_${bucket}`, { last_by_subj: subject }).catch(() => undefined);
    const op = last?.header?.get('KV-Operation');
    if (last && op !== 'DEL' && op !== 'PURGE') keys.push(subject.slice(prefix.length));
  }
  return keys;
}
