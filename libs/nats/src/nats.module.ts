import { DynamicModule, Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy, ClientProxyFactory } from '@nestjs/microservices';
import { connect, NatsConnection } from 'nats';
import { ANONYMOUS_BUS_WARNING } from '@skiff/contracts/openfaas/provider-info';
import { Bus } from './bus.service';
import { NATS_CONNECTION, NATS_MODULE_OPTIONS, NATS_RPC_CLIENT } from './nats.tokens';
import { NatsServiceOptions, createNatsTransport, natsConnectionOptions } from './nats-options';
import { batchWrites } from './write-batching';
import { waitForJetStream } from './jetstream-ready';

/** Closes the connections when the app shuts down (after Nest's own transport has drained). */
class NatsLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger('Nats');
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(NATS_RPC_CLIENT) private readonly client: ClientProxy,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
    if (!this.nc.isClosed()) await this.nc.drain().catch((e: Error) => this.logger.warn({ msg: 'drain failed', error: e.message }));
  }
}

/** Gives a service its raw NATS connection, Nest's RPC client and the typed Bus. */
@Global()
@Module({})
export class NatsModule {
  static forRoot(options: NatsServiceOptions): DynamicModule {
    return {
      module: NatsModule,
      providers: [
        { provide: NATS_MODULE_OPTIONS, useValue: options },
        {
          provide: NATS_CONNECTION,
          useFactory: async (): Promise<NatsConnection> => {
            const nc = await connect(natsConnectionOptions(options));
            if (!nc.info?.auth_required) new Logger('Nats').warn(ANONYMOUS_BUS_WARNING);
            if (options.batchWrites && !batchWrites(nc))
              new Logger('Nats').warn('write batching is not available with this nats client version; writing per microtask');
            void watchStatus(nc, new Logger('Nats'));
            await waitForJetStream(nc, new Logger('Nats'));
            return nc;
          },
        },
        {
          provide: NATS_RPC_CLIENT,
          useFactory: async (): Promise<ClientProxy> => {
            const client = ClientProxyFactory.create(createNatsTransport(options)) as ClientProxy;
            await client.connect();
            return client;
          },
        },
        Bus,
        NatsLifecycle,
      ],
      exports: [NATS_CONNECTION, NATS_RPC_CLIENT, NATS_MODULE_OPTIONS, Bus],
    };
  }
}

async function watchStatus(nc: NatsConnection, logger: Logger): Promise<void> {
  for await (const s of nc.status()) {
    if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error')
      logger.warn({ msg: `nats ${s.type}`, data: String(s.data) });
  }
}
