import { BadRequestException, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AlertManagerPayload, EVENTS, parsePayload } from '@skiff/contracts';
import { Bus } from '@skiff/nats';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';

/**
 * `POST /system/alert`: an AlertManager webhook, published on the bus for the
 * scaler. Unknown functions are the scaler's business (ignored there), as upstream.
 */
@Controller('system')
export class AlertController {
  constructor(
    private readonly bus: Bus,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Post('alert')
  @HttpCode(200)
  receive(@Req() request: FastifyRequest): string {
    const body = request.body;
    if (body === undefined || body === null || body === '') throw new BadRequestException('Unable to read alert.');
    let plain: unknown = body;
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      try {
        plain = JSON.parse(body.toString());
      } catch {
        throw new BadRequestException('Unable to parse alert, bad format.');
      }
    }
    let payload: AlertManagerPayload;
    try {
      payload = parsePayload(AlertManagerPayload, plain);
    } catch (err) {
      throw new BadRequestException(`Unable to parse alert, bad format: ${(err as Error).message}`);
    }
    this.bus.publish(EVENTS.alert, { ...payload, defaultNamespace: this.config.defaultNamespace });
    return '';
  }
}
