/** Version of a component. */
export interface VersionInfo {
  /** Last commit message, when known. */
  commit_message?: string;
  /** Commit the build came from. */
  sha: string;
  /** Release version. */
  release: string;
}

/** What a provider says about itself (OpenFaaS `ProviderInfo`). */
export interface ProviderInfo {
  /** Provider name, e.g. `skiff-local`. */
  provider: string;
  /** Orchestration, e.g. `local`, `swarm`, `kubernetes`. */
  orchestration: string;
  /** Provider version. */
  version: VersionInfo;
}

/** Answer of `GET /system/info` (OpenFaaS `GatewayInfo`). */
export interface GatewayInfo {
  /** The provider's own info. */
  provider: ProviderInfo | null;
  /** Gateway version. */
  version: VersionInfo;
  /** CPU architecture, e.g. `x86_64`. */
  arch: string;
  /** Skiff extension: how the bus is protected, as this gateway sees it. */
  bus?: BusSecurityInfo;
}

/** Whether the NATS server requires credentials (`/system/info` → `bus`). */
export interface BusSecurityInfo {
  /** True when the server lets clients in without credentials: anyone who reaches it can drive the platform. */
  anonymous: boolean;
  /** What to do about it, when anonymous. */
  warning?: string;
}

/** The warning every service logs, and `/system/info` shows, on a bus that lets anonymous clients in. */
export const ANONYMOUS_BUS_WARNING =
  'the NATS server lets anonymous clients in: any process that reaches it can deploy functions, read calls and purge streams. Unset SKIFF_NATS_URL to let npm start run its own secured server, or give the server users (see docs/security.md)';
