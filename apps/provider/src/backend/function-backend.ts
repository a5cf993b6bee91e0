import { FunctionRecord, FunctionUsage } from '@skiff/contracts';

/** What a backend says about one function's replicas. */
export interface ReplicaCounts {
  /** Replicas that exist (starting, ready or draining). */
  running: number;
  /** Replicas that announced they can take calls and are still alive. */
  available: number;
}

/**
 * Makes the registry real on some orchestrator. `local` runs watchdog processes on this host;
 * `swarm` and `kubernetes` implement the same four calls later.
 */
export interface FunctionBackend {
  /** Converges the function to `record` (desired replicas, and a rollout when the spec changed). */
  apply(record: FunctionRecord): Promise<void>;
  /** Stops and forgets every replica of the function. */
  remove(namespace: string, name: string): Promise<void>;
  /** Current replica counts (zeros for an unknown function). */
  status(namespace: string, name: string): ReplicaCounts;
  /** CPU (since the previous call) and memory per function; functions it cannot measure are left out. */
  usage?(): FunctionUsage[];
  /**
   * Why this backend cannot run `spec` as asked (e.g. placement constraints its orchestrator would never
   * satisfy), one reason per problem, each naming its field; empty when it can. Deploy and update
   * answer 400 with these reasons before anything is written.
   */
  validate?(spec: FunctionRecord['spec']): string[];
  /**
   * Provider shutdown: backends whose replicas are processes of the provider stop them gracefully;
   * orchestrators (swarm) leave the functions running and stop watching.
   */
  stopAll(): Promise<void>;
  /**
   * Called once at start with every registered function (`<ns>.<fn>`): a backend whose functions
   * outlive the provider removes those that are no longer registered (deleted while it was down).
   */
  adopt?(registered: Set<string>): Promise<void>;
}

/** Injection token of the active FunctionBackend. */
export const FUNCTION_BACKEND = 'FUNCTION_BACKEND';
