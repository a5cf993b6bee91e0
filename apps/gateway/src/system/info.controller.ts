import { Controller, Get, Inject } from '@nestjs/common';
import { GatewayInfo, RPC, VersionInfo } from '@skiff/contracts';
import { Bus } from '@skiff/nats';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { gatewayVersion, machineArch } from './version';

/** `/system/info` (GatewayInfo) and `/system/namespaces`. */
@Controller('system')
export class InfoController {
  private readonly version: VersionInfo = gatewayVersion();
  private readonly arch = machineArch();

  constructor(
    private readonly bus: Bus,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get('info')
  async info(): Promise<GatewayInfo> {
    const provider = await this.bus.request(RPC.providerInfo, {}, { timeoutMs: this.config.upstreamTimeoutMs });
    return { provider, version: this.version, arch: this.arch };
  }

  @Get('namespaces')
  namespaces(): Promise<string[]> {
    return this.bus.request(RPC.namespaceList, {}, { timeoutMs: this.config.upstreamTimeoutMs });
  }
}
