import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  DEFAULT_NAMESPACE,
  RPC,
  Secret,
  SecretListRequest,
  SecretSummary,
  SecretTransportKey,
  parsePayload,
  subjects,
} from '@skiff/contracts';
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

  @MessagePattern(subjects.rpc(RPC.secretList), { queue: subjects.queues.provider })
  list(@Payload() payload: unknown): Promise<SecretSummary[]> {
    const req = parsePayload(SecretListRequest, payload ?? {});
    return this.store.list(req.namespace || DEFAULT_NAMESPACE);
  }

  @MessagePattern(subjects.rpc(RPC.secretTransportKey), { queue: subjects.queues.provider })
  transportKey(): SecretTransportKey {
    return this.store.transportKey();
  }

  @MessagePattern(subjects.rpc(RPC.secretCreate), { queue: subjects.queues.provider })
  async create(@Payload() payload: unknown): Promise<SecretSummary> {
    const s = secret(payload);
    await this.namespaces.requireExisting(s.namespace);
    return this.store.create(s);
  }

  @MessagePattern(subjects.rpc(RPC.secretUpdate), { queue: subjects.queues.provider })
  update(@Payload() payload: unknown): Promise<SecretSummary> {
    return this.store.update(secret(payload));
  }

  @MessagePattern(subjects.rpc(RPC.secretDelete), { queue: subjects.queues.provider })
  remove(@Payload() payload: unknown): Promise<SecretSummary> {
    const s = secret(payload);
    return this.store.remove(s.name, s.namespace);
  }
}

function secret(payload: unknown): Secret & { namespace: string } {
  const s = parsePayload(Secret, payload);
  return { ...s, namespace: s.namespace || DEFAULT_NAMESPACE };
}
