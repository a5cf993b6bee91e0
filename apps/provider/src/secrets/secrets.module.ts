import { Module } from '@nestjs/common';
import { SecretController } from './secret.controller';
import { SecretStore } from './secret.store';
import { WebhookVerifyResponder } from './webhook-verify.responder';

/** Secrets: the encrypted KV store (used by the registry and the backend), its RPCs, and webhook signature checks. */
@Module({ controllers: [SecretController], providers: [SecretStore, WebhookVerifyResponder], exports: [SecretStore] })
export class SecretsModule {}
