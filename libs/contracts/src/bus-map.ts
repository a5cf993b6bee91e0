import { EVENTS, RPC } from './subjects';
import { FunctionDeployment } from './openfaas/function-deployment';
import { FunctionStatus } from './openfaas/function-status';
import { DeleteFunctionRequest } from './openfaas/delete-function-request';
import { ProviderInfo } from './openfaas/provider-info';
import { FunctionRef } from './messages/function-ref';
import { FunctionListRequest } from './messages/function-list.request';
import { FunctionScaleRequest } from './messages/function-scale.request';
import { FunctionChangedEvent } from './messages/function-changed.event';
import { InvocationStatsEvent } from './messages/invocation-stats.event';
import { AlertManagerPayload } from './messages/alert.event';
import { Secret, SecretListRequest, SecretSummary } from './openfaas/secret';
import { SecretTransportKey } from './openfaas/secret-transport';
import { FunctionNamespace, NamespaceRef } from './openfaas/function-namespace';
import { FunctionUsage, ScaleDecisionEvent, WakeResult } from './messages/scale-decision.event';

/** Request and response type of every RPC subject; the typed bus and handlers use it. */
export interface RpcMap {
  [RPC.functionDeploy]: { request: FunctionDeployment; response: FunctionStatus };
  [RPC.functionUpdate]: { request: FunctionDeployment; response: FunctionStatus };
  [RPC.functionDelete]: { request: DeleteFunctionRequest; response: FunctionRef };
  [RPC.functionList]: { request: FunctionListRequest; response: FunctionStatus[] };
  [RPC.functionGet]: { request: FunctionRef; response: FunctionStatus };
  [RPC.functionScale]: { request: FunctionScaleRequest; response: FunctionStatus };
  [RPC.namespaceList]: { request: Record<string, never>; response: string[] };
  [RPC.providerInfo]: { request: Record<string, never>; response: ProviderInfo };
  [RPC.functionUsage]: { request: Record<string, never>; response: FunctionUsage[] };
  [RPC.scalerWake]: { request: FunctionRef; response: WakeResult };
  [RPC.scalerScale]: { request: FunctionScaleRequest; response: FunctionStatus };
  [RPC.secretList]: { request: SecretListRequest; response: SecretSummary[] };
  [RPC.secretTransportKey]: { request: Record<string, never>; response: SecretTransportKey };
  [RPC.secretCreate]: { request: Secret; response: SecretSummary };
  [RPC.secretUpdate]: { request: Secret; response: SecretSummary };
  [RPC.secretDelete]: { request: Secret; response: SecretSummary };
  [RPC.namespaceGet]: { request: NamespaceRef; response: FunctionNamespace };
  [RPC.namespaceCreate]: { request: FunctionNamespace; response: FunctionNamespace };
  [RPC.namespaceUpdate]: { request: FunctionNamespace; response: FunctionNamespace };
  [RPC.namespaceDelete]: { request: NamespaceRef; response: NamespaceRef };
}

/** Payload type of every fixed-subject event. */
export interface EventMap {
  [EVENTS.functionDeployed]: FunctionChangedEvent;
  [EVENTS.functionUpdated]: FunctionChangedEvent;
  [EVENTS.functionDeleted]: FunctionChangedEvent;
  [EVENTS.functionScaled]: FunctionChangedEvent;
  [EVENTS.invocations]: InvocationStatsEvent;
  [EVENTS.alert]: AlertManagerPayload;
  [EVENTS.scaleDecision]: ScaleDecisionEvent;
}

/** Payload class of every fixed-subject event, for validation on receipt. */
export const EVENT_PAYLOADS = {
  [EVENTS.functionDeployed]: FunctionChangedEvent,
  [EVENTS.functionUpdated]: FunctionChangedEvent,
  [EVENTS.functionDeleted]: FunctionChangedEvent,
  [EVENTS.functionScaled]: FunctionChangedEvent,
  [EVENTS.invocations]: InvocationStatsEvent,
  [EVENTS.alert]: AlertManagerPayload,
  [EVENTS.scaleDecision]: ScaleDecisionEvent,
} as const;
