import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ERROR_CODES, FunctionNamespace, NamespaceRef, RPC, SkiffError, parsePayload, subjects } from '@skiff/contracts';
import { NamespaceService } from './namespace.service';

/** `provider.namespace.*`: list, get, create, update, delete. */
@Controller()
export class NamespaceController {
  constructor(private readonly namespaces: NamespaceService) {}

  @MessagePattern(subjects.rpc(RPC.namespaceList), { queue: subjects.queues.provider })
  list(): Promise<string[]> {
    return this.namespaces.list();
  }

  @MessagePattern(subjects.rpc(RPC.namespaceGet), { queue: subjects.queues.provider })
  get(@Payload() payload: unknown): Promise<FunctionNamespace> {
    return this.namespaces.get(parsePayload(NamespaceRef, payload).name);
  }

  @MessagePattern(subjects.rpc(RPC.namespaceCreate), { queue: subjects.queues.provider })
  create(@Payload() payload: unknown): Promise<FunctionNamespace> {
    return this.namespaces.create(named(payload));
  }

  @MessagePattern(subjects.rpc(RPC.namespaceUpdate), { queue: subjects.queues.provider })
  update(@Payload() payload: unknown): Promise<FunctionNamespace> {
    return this.namespaces.update(named(payload));
  }

  @MessagePattern(subjects.rpc(RPC.namespaceDelete), { queue: subjects.queues.provider })
  remove(@Payload() payload: unknown): Promise<{ name: string }> {
    return this.namespaces.remove(parsePayload(NamespaceRef, payload).name);
  }
}

function named(payload: unknown): FunctionNamespace & { name: string } {
  const ns = parsePayload(FunctionNamespace, payload);
  if (!ns.name) throw new SkiffError(ERROR_CODES.invalidRequest, 'name: is required');
  return ns as FunctionNamespace & { name: string };
}
