import { ReplicaSubjects } from './replica-subjects';

/** JetStream KV buckets, their keys, leader leases and the bundle store. */
export class StorageNames extends ReplicaSubjects {
  /** JetStream KV bucket holding the function registry (the provider is its only writer). */
  get functionsBucket(): string {
    return `${this.streamPrefix}_functions`;
  }

  /** JetStream KV bucket of cumulative invocation counts per function (key as the registry's). */
  get invocationsBucket(): string {
    return `${this.streamPrefix}_invocations`;
  }

  /** JetStream KV bucket of secrets, key `<ns>.<name>`, values encrypted by the provider (its only reader and writer). */
  get secretsBucket(): string {
    return `${this.streamPrefix}_secrets`;
  }

  /**
   * JetStream KV bucket of leader leases (`provider.<backend>`, `scaler`): whoever holds a key acts,
   * the others stand by. Entries expire after the lease time unless renewed.
   */
  get leasesBucket(): string {
    return `${this.streamPrefix}_leases`;
  }

  /** Leases bucket key of the active provider of one backend. */
  providerLeaseKey(backend: string): string {
    return `provider.${backend}`;
  }

  /** Leases bucket key of the active scaler. */
  get scalerLeaseKey(): string {
    return 'scaler';
  }

  /** JetStream KV bucket of namespaces created through `/system/namespace`, key = namespace. */
  get namespacesBucket(): string {
    return `${this.streamPrefix}_namespaces`;
  }

  /** Secrets bucket key of one secret. */
  secretKey(namespace: string, name: string): string {
    return `${namespace}.${name}`;
  }

  /** Registry key of one function. */
  functionKey(namespace: string, name: string): string {
    return `${namespace}.${name}`;
  }

  /** JetStream object store holding function bundles (`skiff push`), one object per image name. */
  get bundlesStore(): string {
    return `${this.streamPrefix}_bundles`;
  }
}
