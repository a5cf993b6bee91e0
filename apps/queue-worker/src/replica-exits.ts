import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { JSONCodec, Msg, NatsConnection, nuid, Subscription } from 'nats';
import { logToken, ReplicaExitedEvent, subjects } from '@skiff/contracts';
import { NATS_CONNECTION } from '@skiff/nats';

/** How long an exit is remembered, for a claim that arrives after the exit it should have preceded. */
const EXIT_MEMORY_MS = 60_000;

const exitJson = JSONCodec<Partial<ReplicaExitedEvent>>();

/** One attempt being watched. */
interface Watched {
  namespace: string;
  name: string;
  /** The replica that took the call (as a subject token), once it said so. */
  instance?: string;
  /** Fails the attempt (a retryable transport error). */
  fail: (reason: string) => void;
}

/** What AttemptRunner needs for one attempt. */
export interface AttemptWatch {
  /** Subject for the invoke's `Skiff-Claim`. */
  claim: string;
  /** Stop watching (the attempt is over). */
  done(): void;
}

/**
 * Fails an async call at once when the replica running it dies (audit #17), instead of after the
 * call's timeout. Each attempt asks the replica to claim it (`Skiff-Claim`, a subject of this process);
 * the watchdog that takes the call publishes its instance there; the provider, which supervises the
 * processes, publishes `evt.replica.exited.<ns>.<fn>.<instance>` when one ends; every attempt claimed
 * by that instance is then failed with a retryable error, so it is retried (or dead-lettered) now.
 * A claim that arrives after the exit (the process died right after taking the call) fails at once too.
 */
@Injectable()
export class ReplicaExits implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReplicaExits.name);
  /** This process's claimant id (one subject token). */
  private readonly claimant = nuid.next();
  private readonly watched = new Map<string, Watched>();
  /** Recent exits: `<ns>.<fn>.<instance token>` → when, with the reason. */
  private readonly exits = new Map<string, { at: number; reason: string }>();
  private readonly subs: Subscription[] = [];

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  onApplicationBootstrap(): void {
    this.subs.push(
      this.nc.subscribe(subjects.callClaimsOf(this.claimant), { callback: (err, msg) => !err && this.onClaim(msg) }),
      this.nc.subscribe(subjects.replicaExitedAll, { callback: (err, msg) => !err && this.onExit(msg) }),
    );
  }

  onApplicationShutdown(): void {
    for (const sub of this.subs.splice(0)) sub.unsubscribe();
  }

  /** Watches one attempt of `fn`; `fail` is called if the replica that claims it exits first. */
  watch(fn: { namespace: string; name: string }, fail: (reason: string) => void): AttemptWatch {
    const token = nuid.next();
    this.watched.set(token, { namespace: fn.namespace, name: fn.name, fail });
    return { claim: subjects.callClaim(fn.namespace, fn.name, this.claimant, token), done: () => this.watched.delete(token) };
  }

  private onClaim(msg: Msg): void {
    const claim = subjects.callClaimOf(msg.subject);
    const watched = claim && this.watched.get(claim.token);
    // A claim for another function than the call's is not believed.
    if (!watched || claim.namespace !== watched.namespace || claim.name !== watched.name) return;
    watched.instance = logToken(msg.string());
    const exit = this.exits.get(`${watched.namespace}.${watched.name}.${watched.instance}`);
    if (exit) this.fail(watched, exit.reason);
  }

  private onExit(msg: Msg): void {
    const exited = subjects.replicaExitedOf(msg.subject);
    if (!exited) return;
    let reason = 'exited';
    try {
      reason = exitJson.decode(msg.data).reason ?? reason;
    } catch {
      // The subject is what counts.
    }
    const now = Date.now();
    for (const [key, exit] of this.exits) if (now - exit.at > EXIT_MEMORY_MS) this.exits.delete(key);
    this.exits.set(`${exited.namespace}.${exited.name}.${exited.instance}`, { at: now, reason });
    for (const watched of this.watched.values()) {
      if (watched.instance === exited.instance && watched.name === exited.name && watched.namespace === exited.namespace)
        this.fail(watched, reason);
    }
  }

  private fail(watched: Watched, reason: string): void {
    const text = `replica ${watched.instance} of ${watched.name}.${watched.namespace} exited (${reason}) while it ran the call`;
    this.logger.warn({
      msg: 'replica exited while it ran the call: failing the attempt now instead of waiting for its timeout',
      function: `${watched.name}.${watched.namespace}`,
      instance: watched.instance,
      reason,
    });
    watched.fail(text);
  }
}
