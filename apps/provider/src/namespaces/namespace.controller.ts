import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { RpcHandler } from '@skiff/nats';
import { ERROR_CODES, FunctionNamespace, NamespaceRef, RPC, SkiffError, parsePayload } from '@skiff/contracts';
import { NamespaceService } from './namespace.service';

/** `provider.namespace.*`: list, get, create, update, delete. */
@Controller()
export class NamespaceController {
  constructor(private readonly namespaces: NamespaceService) {}

  @RpcHandler(RPC.namespaceList, 'provider')
  list(): Promise<string[]> {
    return this.namespaces.list();
  }

  @RpcHandler(RPC.namespaceGet, 'provider')
  get(@Payload() payload: unknown): Promise<FunctionNamespace> {
    return this.namespaces.get(parsePayload(NamespaceRef, payload).name);
  }

  @RpcHandler(RPC.namespaceCreate, 'provider')
  create(@Payload() payload: unknown): Promise<FunctionNamespace> {
    return this.namespaces.create(named(payload));
  }

  @RpcHandler(RPC.namespaceUpdate, 'provider')
  update(@Payload() payload: unknown): Promise<FunctionNamespace> {
    return this.namespaces.update(named(payload));
  }

  @RpcHandler(RPC.namespaceDelete, 'provider')
  remove(@Payload() payload: unknown): Promise<{ name: string }> {
    return this.namespaces.remove(parsePayload(NamespaceRef, payload).name);
  }
}

function named(payload: unknown): FunctionNamespace & { name: string } {
  const ns = parsePayload(FunctionNamespace, payload);
  if (!ns.name) throw new SkiffError(ERROR_CODES.invalidRequest, 'name: is required');
  return ns as FunctionNamespace & { name: string };
}
