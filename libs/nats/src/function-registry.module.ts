import { Global, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { subjects } from '@skiff/contracts/subjects';
import { FunctionRegistryCache } from './function-registry';
import { NATS_CONNECTION } from './nats.tokens';
import { RegistrySync } from './registry-sync';

/** Stops the watch on shutdown. */
@Injectable()
class RegistryLifecycle implements OnApplicationShutdown {
  constructor(private readonly registry: FunctionRegistryCache) {}

  onApplicationShutdown(): void {
    this.registry.stop();
  }
}

/**
 * The one local copy of the function registry of a service (loaded before it serves), injected by
 * class: `constructor(private readonly registry: FunctionRegistryCache)`, and RegistrySync to wait
 * for a change to show in it. Imported once, after NatsModule (so the watch stops before the bus
 * drains); each service reports `registry.watching` in its own /healthz checks.
 */
@Global()
@Module({
  providers: [
    {
      provide: FunctionRegistryCache,
      inject: [NATS_CONNECTION],
      useFactory: (nc: NatsConnection) => FunctionRegistryCache.start(nc, subjects),
    },
    RegistrySync,
    RegistryLifecycle,
  ],
  exports: [FunctionRegistryCache, RegistrySync],
})
export class FunctionRegistryModule {}
