import { Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AsyncCallResult, DeadLetterSummary, ERROR_CODES, isCallId, isDnsLabel, parseFunctionRef, SkiffError } from '@skiff/contracts';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { AsyncCalls } from './async-calls.service';

const MAX_LIST = 1000;

function deadLetterId(raw: string): number {
  const id = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(id) || id < 1)
    throw new SkiffError(ERROR_CODES.invalidRequest, `dead-letter id must be a positive whole number, got "${raw}"`);
  return id;
}

/**
 * Async administration: call status and dead letters. Every route here is one the `/system/*`
 * auth guard must cover: add it once, on this class.
 */
@Controller()
export class AsyncSystemController {
  constructor(
    private readonly calls: AsyncCalls,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /**
   * A call's state and (when finished) its result; 404 once expired or when unknown. Call ids are
   * scoped per function: `?function=<name>[.<ns>]` names the function; without it, the one function's
   * call with that id (409 naming them when several functions have one).
   */
  @Get('async-function/status/:callId')
  async status(@Param('callId') callId: string, @Query('function') fn?: string): Promise<AsyncCallResult> {
    if (!isCallId(callId)) throw new SkiffError(ERROR_CODES.invalidRequest, `"${callId}" is not a valid call id`);
    if (fn === undefined) return this.calls.status(callId);
    const ref = typeof fn === 'string' ? parseFunctionRef(fn, this.config.defaultNamespace) : undefined;
    if (!ref) throw new SkiffError(ERROR_CODES.invalidRequest, `function "${String(fn)}" is not <name> or <name>.<namespace>`);
    return this.calls.status(callId, ref);
  }

  /** Dead letters, oldest first (`name` without `namespace` means the default namespace's function). */
  @Get('system/async/dead-letters')
  async list(
    @Query('name') name?: string,
    @Query('namespace') namespace?: string,
    @Query('limit') limit?: string,
  ): Promise<DeadLetterSummary[]> {
    if (name !== undefined && !isDnsLabel(name)) throw new SkiffError(ERROR_CODES.invalidRequest, `name "${name}" is not a DNS-1123 label`);
    if (namespace !== undefined && !isDnsLabel(namespace))
      throw new SkiffError(ERROR_CODES.invalidRequest, `namespace "${namespace}" is not a DNS-1123 label`);
    const max = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(max) || max < 1 || max > MAX_LIST)
      throw new SkiffError(ERROR_CODES.invalidRequest, `limit must be a whole number from 1 to ${MAX_LIST}`);
    return this.calls.deadLetters(namespace ?? (name ? this.config.defaultNamespace : undefined), name, max);
  }

  /** One dead letter (what `list` shows of it); 404 when there is none with that id. */
  @Get('system/async/dead-letters/:id')
  async show(@Param('id') id: string): Promise<DeadLetterSummary> {
    return this.calls.deadLetterSummary(deadLetterId(id));
  }

  /** Re-queues a dead letter with fresh attempts under the same call id; 202 with `X-Call-Id`. */
  @Post('system/async/dead-letters/:id/replay')
  async replay(@Param('id') id: string, @Res() reply: FastifyReply): Promise<void> {
    const callId = await this.calls.replay(deadLetterId(id));
    await reply.code(202).header('x-call-id', callId).send({ callId });
  }

  /** Drops a dead letter. */
  @Delete('system/async/dead-letters/:id')
  @HttpCode(204)
  async drop(@Param('id') id: string): Promise<void> {
    await this.calls.dropDeadLetter(deadLetterId(id));
  }
}
