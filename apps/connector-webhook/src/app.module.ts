import { DynamicModule, Module } from '@nestjs/common';
import { NatsModule } from '@skiff/nats';
import { ObservabilityModule } from '@skiff/observability';
import { CONNECTOR_WEBHOOK_ENV, ConnectorWebhookEnv } from './config/connector-webhook.env';
import { WebhookHandler } from './webhook.handler';

/** Service name: log field, NATS connection name, metrics label. */
export const CONNECTOR_WEBHOOK_SERVICE = 'connector-webhook';

/** connector-webhook: `POST /webhook/<topic>` → the topic stream (a hot path: two NATS requests per webhook, so no async stack traces). */
@Module({})
export class AppModule {
  /** The module graph for a configuration validated by main.ts (nothing reads the environment here). */
  static forRoot(env: ConnectorWebhookEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        NatsModule.forRoot({
          service: CONNECTOR_WEBHOOK_SERVICE,
          url: env.SKIFF_NATS_URL,
          credsFile: env.SKIFF_NATS_CREDS,
          asyncTraces: false,
        }),
        ObservabilityModule.forRoot(CONNECTOR_WEBHOOK_SERVICE),
      ],
      providers: [{ provide: CONNECTOR_WEBHOOK_ENV, useValue: env }, WebhookHandler],
    };
  }
}
