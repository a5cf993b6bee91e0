import { Controller, Get, Inject } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { ANONYMOUS_BUS_WARNING, GatewayInfo, RPC, VersionInfo } from '@skiff/contracts';
import { Bus, NATS_CONNECTION } from '@skiff/nats';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { gatewayVersion, machineArch } from './version';

/** `/system/info` (GatewayInfo) and `/system/namespaces`. */
@Controller('system')
export class InfoController {
  private readonly version: VersionInfo;
  private readonly arch = machineArch();

  constructor(
    private readonly bus: Bus,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {
    this.version = gatewayVersion(config.gitSha);
  }

  @Get('info')
  async info(): Promise<GatewayInfo> {
    const provider = await this.bus.request(RPC.providerInfo, {}, { timeoutMs: this.config.upstreamTimeoutMs });
    const anonymous = !this.nc.info?.auth_required;
    return {
      provider,
      version: this.version,
      arch: this.arch,
      bus: anonymous ? { anonymous, warning: ANONYMOUS_BUS_WARNING } : { anonymous },
    };
  }

  @Get('namespaces')
  namespaces(): Promise<string[]> {
    return this.bus.request(RPC.namespaceList, {}, { timeoutMs: this.config.upstreamTimeoutMs });
  }
}
