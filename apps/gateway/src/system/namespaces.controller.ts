import { Body, Controller, Delete, Get, HttpCode, Inject, Injectable, OnModuleInit, Param, Post, Put } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { BodyLimit } from '../config/body-limit';
import { describeHttpError } from '../http/describe-error';
import { ERROR_CODES, FunctionNamespace, RPC, SkiffError, parsePayload } from '@skiff/contracts';
import { Bus } from '@skiff/nats';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { bodyObject, pathName } from './namespace-param';

/**
 * `/system/namespace/<name>` with faasd's semantics: body FunctionNamespace with
 * the label `openfaas: "1"`; POST 201 / 409, GET 200 / 404, PUT 202 (body name = path name),
 * DELETE 202 / 404, and 409 while the namespace still holds functions or secrets.
 */
@Controller('system')
export class NamespacesController {
  constructor(
    private readonly bus: Bus,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get('namespace/:name')
  get(@Param('name') name: string): Promise<FunctionNamespace> {
    return this.bus.request(RPC.namespaceGet, { name: namespaceName(name) }, this.options());
  }

  @Post(['namespace', 'namespace/:name'])
  @HttpCode(201)
  create(@Body() body: unknown, @Param('name') name?: string): Promise<FunctionNamespace> {
    return this.bus.request(RPC.namespaceCreate, namespaceBody(body, name, false), this.options());
  }

  @Put('namespace/:name')
  @HttpCode(202)
  update(@Body() body: unknown, @Param('name') name: string): Promise<FunctionNamespace> {
    return this.bus.request(RPC.namespaceUpdate, namespaceBody(body, name, true), this.options());
  }

  @Delete('namespace/:name')
  @HttpCode(202)
  async remove(@Param('name') name: string): Promise<void> {
    await this.bus.request(RPC.namespaceDelete, { name: namespaceName(name) }, this.options());
  }

  private options(): { timeoutMs: number } {
    return { timeoutMs: this.config.upstreamTimeoutMs };
  }
}

function namespaceName(name: string): string {
  try {
    return pathName(name);
  } catch {
    throw new SkiffError(
      ERROR_CODES.invalidRequest,
      `namespace: (${name.slice(0, 80)}) is invalid, must be a valid DNS entry (lower-case letters, digits and "-", at most 63 characters)`,
    );
  }
}

/** The body with its name settled: the path's when given (PUT: the body's must then match), else the body's. */
function namespaceBody(body: unknown, pathNameRaw: string | undefined, mustMatch: boolean): FunctionNamespace {
  const ns = parsePayload(FunctionNamespace, bodyObject(body));
  const fromPath = pathNameRaw ? namespaceName(pathNameRaw) : undefined;
  if (fromPath && ns.name && ns.name !== fromPath) {
    throw new SkiffError(ERROR_CODES.invalidRequest, `name: (${ns.name}) must match the namespace in the path (${fromPath})`);
  }
  if (mustMatch && !fromPath) throw new SkiffError(ERROR_CODES.invalidRequest, 'the path must name the namespace');
  const name = fromPath ?? ns.name;
  if (!name) throw new SkiffError(ERROR_CODES.invalidRequest, 'name: is required (in the path or the body)');
  return { ...ns, name };
}

/**
 * `POST /system/namespace/` (empty name, as faasd's router allows): Nest folds the trailing slash
 * into `/system/namespace`, so this one path is a plain Fastify route answering the same way.
 */
@Injectable()
export class NamespaceTrailingSlashRoute implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly controller: NamespacesController,
    private readonly bodyLimit: BodyLimit,
  ) {}

  onModuleInit(): void {
    this.adapterHost.httpAdapter.getInstance<FastifyInstance>().post('/system/namespace/', async (request, reply) => {
      try {
        const created = await this.controller.create(request.body);
        await reply.code(201).send(created);
      } catch (err) {
        const { status, message } = describeHttpError(err, this.bodyLimit.message);
        await reply.code(status).type('text/plain; charset=utf-8').send(message);
      }
    });
  }
}
