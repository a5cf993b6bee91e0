import { FunctionRecord, splitTopics, TRIGGER_ANNOTATIONS } from '@skiff/contracts';

/** A function subscribed to a topic. */
export interface TopicSubscriber {
  /** Namespace. */
  namespace: string;
  /** Name. */
  name: string;
}

/**
 * Functions subscribed to `topic` (annotation `topic`, comma-separated, exact match per entry),
 * read from the registry each time so the map follows deploys, updates and deletes as the registry
 * cache does. Sorted, so every router fans out in the same order.
 */
export function subscribersOf(topic: string, records: Iterable<FunctionRecord>): TopicSubscriber[] {
  const out: TopicSubscriber[] = [];
  for (const record of records) {
    if (splitTopics(record.spec.annotations?.[TRIGGER_ANNOTATIONS.topic]).includes(topic)) {
      out.push({ namespace: record.spec.namespace ?? '', name: record.spec.service });
    }
  }
  return out.sort((a, b) => `${a.namespace}.${a.name}`.localeCompare(`${b.namespace}.${b.name}`));
}
