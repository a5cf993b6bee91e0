import { Module } from '@nestjs/common';
import { SecretStore } from './secret.store';
import { WebhookVerifyResponder } from './webhook-verify.responder';

/** Secrets: the encrypted KV store (used by the registry and the backend) and webhook signature checks; the RPCs are SecretController's (NamespacesModule). */
@Module({ providers: [SecretStore, WebhookVerifyResponder], exports: [SecretStore] })
export class SecretsModule {}
