import { connect, JSONCodec, NatsConnection, Subscription } from 'nats';
import type { ReplicaEvent } from '@skiff/contracts/messages/replica.event';
import { subjects } from '@skiff/contracts/subjects';
import { TEST_NATS_URL, testNatsOptions } from './test-env';

const json = JSONCodec<ReplicaEvent>();

/**
 * Listens to every replica.ready / replica.gone event of the test's prefix, so a test knows which
 * watchdog processes (pids) currently serve a function.
 */
export class ReplicaWatcher {
  /** Ready replicas by instance id. */
  readonly ready = new Map<string, ReplicaEvent>();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly subs: Subscription[],
  ) {}

  static async start(url = TEST_NATS_URL): Promise<ReplicaWatcher> {
    const nc = await connect(testNatsOptions({ name: 'test-replica-watcher' }, url));
    const watcher = new ReplicaWatcher(nc, []);
    watcher.subs.push(
      nc.subscribe(subjects.replicaReadyAll, { callback: (_e, m) => watcher.onEvent('ready', m.data) }),
      nc.subscribe(subjects.replicaGoneAll, { callback: (_e, m) => watcher.onEvent('gone', m.data) }),
    );
    await nc.flush();
    return watcher;
  }

  private onEvent(kind: 'ready' | 'gone', data: Uint8Array): void {
    let event: ReplicaEvent;
    try {
      event = json.decode(data);
    } catch {
      return;
    }
    if (kind === 'ready') this.ready.set(event.instance, event);
    else this.ready.delete(event.instance);
  }

  /** Ready replicas of one function whose process still exists. */
  replicas(name: string, namespace = 'openfaas-fn'): ReplicaEvent[] {
    return [...this.ready.values()].filter((e) => e.name === name && e.namespace === namespace && processAlive(e.pid));
  }

  async close(): Promise<void> {
    for (const s of this.subs) s.unsubscribe();
    await this.nc.close();
  }
}

/** True when a process with that pid exists on this machine. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
