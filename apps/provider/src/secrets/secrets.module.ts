import { Module } from '@nestjs/common';
import { SecretController } from './secret.controller';
import { SecretStore } from './secret.store';

/** Secrets: the encrypted KV store (used by the registry and the backend) and its RPCs. */
@Module({ controllers: [SecretController], providers: [SecretStore], exports: [SecretStore] })
export class SecretsModule {}
