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
}
