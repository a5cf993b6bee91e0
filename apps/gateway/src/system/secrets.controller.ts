import { Body, Controller, Delete, Get, HttpCode, Inject, Post, Put, Query } from '@nestjs/common';
import { RPC, Secret, SecretSummary, parsePayload, sealSecretValue, secretSealContext } from '@skiff/contracts';
import { Bus } from '@skiff/nats';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { bodyObject, pickNamespace, withoutEmptyNamespace } from './namespace-param';

/**
 * `/system/secrets`: names only on GET, the namespace from the body or the query.
 * The value travels once, to the provider, sealed to the provider's transport key (so nobody on the
 * bus reads it), and is never answered or logged.
 */
@Controller('system')
export class SecretsController {
  constructor(
    private readonly bus: Bus,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get('secrets')
  list(@Query('namespace') namespace?: unknown): Promise<SecretSummary[]> {
    return this.bus.request(RPC.secretList, { namespace: this.namespace(namespace) }, this.options());
  }

  // faas-netes answers 202 to create, update and delete; faas-cli accepts 200, 201 and 202.
  @Post('secrets')
  @HttpCode(202)
  async create(@Body() body: unknown, @Query('namespace') namespace?: unknown): Promise<SecretSummary> {
    return this.bus.request(RPC.secretCreate, await this.sealed(this.secret(body, namespace)), this.options());
  }

  @Put('secrets')
  @HttpCode(202)
  async update(@Body() body: unknown, @Query('namespace') namespace?: unknown): Promise<SecretSummary> {
    return this.bus.request(RPC.secretUpdate, await this.sealed(this.secret(body, namespace)), this.options());
  }

  @Delete('secrets')
  @HttpCode(202)
  async remove(@Body() body: unknown, @Query('namespace') namespace?: unknown): Promise<void> {
    const { name, namespace: ns } = this.secret(body, namespace);
    await this.bus.request(RPC.secretDelete, { name, namespace: ns }, this.options());
  }

  /** The secret with its value (rawValue wins when non-empty, as in OpenFaaS) sealed to the provider's current transport key. */
  private async sealed(secret: Secret): Promise<Secret> {
    const value = secret.rawValue ? Buffer.from(secret.rawValue, 'base64') : Buffer.from(secret.value ?? '', 'utf8');
    const key = await this.bus.request(RPC.secretTransportKey, {}, this.options());
    const { name, namespace } = secret;
    return { name, namespace, sealed: sealSecretValue(value, key.publicKey, secretSealContext(namespace as string, name)) };
  }

  private secret(body: unknown, queryNamespace: unknown): Secret {
    const secret = parsePayload(Secret, withoutEmptyNamespace(bodyObject(body)));
    secret.namespace = this.namespace(secret.namespace, queryNamespace);
    return secret;
  }

  private namespace(...candidates: unknown[]): string {
    return pickNamespace(this.config.defaultNamespace, ...candidates);
  }

  private options(): { timeoutMs: number } {
    return { timeoutMs: this.config.upstreamTimeoutMs };
  }
}
