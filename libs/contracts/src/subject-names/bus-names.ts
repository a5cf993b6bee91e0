/**
 * Request/reply subjects served by a platform service, named without the prefix.
 * The wire subject is `<prefix>.<name>`.
 */
export const RPC = {
  /** Deploy a new function (FunctionDeployment → FunctionStatus). */
  functionDeploy: 'provider.function.deploy',
  /** Replace a function's spec (FunctionDeployment → FunctionStatus). */
  functionUpdate: 'provider.function.update',
  /** Delete a function (DeleteFunctionRequest → FunctionRef). */
  functionDelete: 'provider.function.delete',
  /** List functions of one namespace (FunctionListRequest → FunctionStatus[]). */
  functionList: 'provider.function.list',
  /** One function's status (FunctionRef → FunctionStatus). */
  functionGet: 'provider.function.get',
  /** Set desired replicas (ScaleServiceRequest → FunctionStatus). */
  functionScale: 'provider.function.scale',
  /** Namespaces that hold functions (empty → string[]). */
  namespaceList: 'provider.namespace.list',
  /** Provider name, orchestration and version (empty → ProviderInfo). */
  providerInfo: 'provider.info',
  /** CPU use per function, measured by the backend (empty → FunctionUsage[]). */
  functionUsage: 'provider.function.usage',
  /** Scale a function from zero to its minimum (FunctionRef → WakeResult). */
  scalerWake: 'scaler.wake',
  /** Set desired replicas through the scaler (FunctionScaleRequest → FunctionStatus). */
  scalerScale: 'scaler.scale',
  /** Secret names of one namespace, never values (SecretListRequest → SecretSummary[]). */
  secretList: 'provider.secret.list',
  /** The provider's key secret values are sealed to before they cross the bus (empty → SecretTransportKey). */
  secretTransportKey: 'provider.secret.transport-key',
  /** Create a secret; 409 when it exists (Secret → SecretSummary). */
  secretCreate: 'provider.secret.create',
  /** Replace a secret's value; 404 when missing (Secret → SecretSummary). */
  secretUpdate: 'provider.secret.update',
  /** Delete a secret; 404 when missing (Secret → SecretSummary). */
  secretDelete: 'provider.secret.delete',
  /** One namespace; 404 when unknown (NamespaceRef → FunctionNamespace). */
  namespaceGet: 'provider.namespace.get',
  /** Create a namespace; 409 when it exists (FunctionNamespace → FunctionNamespace). */
  namespaceCreate: 'provider.namespace.create',
  /** Replace a namespace's labels and annotations (FunctionNamespace → FunctionNamespace). */
  namespaceUpdate: 'provider.namespace.update',
  /** Delete an empty namespace; 409 while it holds functions or secrets (NamespaceRef → NamespaceRef). */
  namespaceDelete: 'provider.namespace.delete',
} as const;

/** Names of the request/reply subjects. */
export type RpcName = (typeof RPC)[keyof typeof RPC];

/** Broadcast events with a fixed subject, named without the prefix. */
export const EVENTS = {
  /** A function was registered (FunctionChangedEvent). */
  functionDeployed: 'evt.function.deployed',
  /** A function's spec changed (FunctionChangedEvent). */
  functionUpdated: 'evt.function.updated',
  /** A function was removed (FunctionChangedEvent). */
  functionDeleted: 'evt.function.deleted',
  /** A function's desired replica count changed (FunctionChangedEvent). */
  functionScaled: 'evt.function.scaled',
  /** One process's per-function call aggregate of the last second (InvocationStatsEvent). */
  invocations: 'evt.invocations',
  /** An AlertManager webhook received by a gateway (AlertManagerPayload). */
  alert: 'evt.alert',
  /** The scaler changed a function's desired replicas (ScaleDecisionEvent). */
  scaleDecision: 'evt.scale.decision',
} as const;

/** Names of the fixed-subject events. */
export type EventName = (typeof EVENTS)[keyof typeof EVENTS];

/** Queue group names, so exactly one replica of a service handles each request. */
export interface QueueGroups {
  /** Every provider replica joins this group for its RPC subjects. */
  provider: string;
  /** Every scaler replica joins this group for its RPC subjects and the invocation counters. */
  scaler: string;
  /** The queue group of one function's watchdogs. */
  invoke(namespace: string, name: string): string;
}
