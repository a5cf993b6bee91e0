import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { RpcHandler } from '@skiff/nats';
import { DEFAULT_NAMESPACE, RPC, Secret, SecretListRequest, SecretSummary, SecretTransportKey, parsePayload } from '@skiff/contracts';
import { SecretStore } from './secret.store';
import { NamespaceDirectory } from '../namespaces/namespace-directory';

/**
 * `provider.secret.*`: the gateway's `/system/secrets`, validated again here. A secret is created only
 * in a namespace that exists (faasd). Registered by NamespacesModule, which sees both the store and
 * the namespace directory.
 */
@Controller()
export class SecretController {
  constructor(
    private readonly store: SecretStore,
    private readonly namespaces: NamespaceDirectory,
  ) {}

  @RpcHandler(RPC.secretList, 'provider')
  list(@Payload() payload: unknown): Promise<SecretSummary[]> {
    const req = parsePayload(SecretListRequest, payload ?? {});
    return this.store.list(req.namespace || DEFAULT_NAMESPACE);
  }

  @RpcHandler(RPC.secretTransportKey, 'provider')
  transportKey(): SecretTransportKey {
    return this.store.transportKey();
  }

  @RpcHandler(RPC.secretCreate, 'provider')
  async create(@Payload() payload: unknown): Promise<SecretSummary> {
    const s = secret(payload);
    await this.namespaces.requireExisting(s.namespace);
    return this.store.create(s);
  }

  @RpcHandler(RPC.secretUpdate, 'provider')
  update(@Payload() payload: unknown): Promise<SecretSummary> {
    return this.store.update(secret(payload));
  }

  @RpcHandler(RPC.secretDelete, 'provider')
  remove(@Payload() payload: unknown): Promise<SecretSummary> {
    const s = secret(payload);
    return this.store.remove(s.name, s.namespace);
  }
}

function secret(payload: unknown): Secret & { namespace: string } {
  const s = parsePayload(Secret, payload);
  return { ...s, namespace: s.namespace || DEFAULT_NAMESPACE };
}
