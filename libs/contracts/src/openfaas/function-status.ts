import { FunctionResources } from './function-resources';

/**
 * Answer of `GET /system/functions` and `GET /system/function/<name>` (OpenFaaS `FunctionStatus`).
 * Zero `replicas`, `availableReplicas` and `invocationCount` are omitted, as upstream does.
 */
export interface FunctionStatus {
  /** Function name. */
  name: string;
  /** Image or bundle name as deployed. */
  image: string;
  /** Namespace. */
  namespace: string;
  /** The process the watchdog runs. */
  envProcess?: string;
  /** Environment variables; omitted when none were set. */
  envVars?: Record<string, string>;
  /** Placement constraints; omitted when none. */
  constraints?: string[];
  /** Secret names; omitted when none. */
  secrets?: string[];
  /** Labels, always present; includes `faas_function: <name>`. */
  labels: Record<string, string>;
  /** Annotations, always present (at least `{}`). */
  annotations: Record<string, string>;
  /** Limits; omitted when none were set. */
  limits?: FunctionResources;
  /** Requests; omitted when none were set. */
  requests?: FunctionResources;
  /** Read-only root filesystem. */
  readOnlyRootFilesystem?: boolean;
  /** Completed invocations across every gateway; omitted when 0. */
  invocationCount?: number;
  /** Desired replicas; omitted when 0. */
  replicas?: number;
  /** Replicas that announced they are ready; omitted when 0. */
  availableReplicas?: number;
  /** When the function was first deployed, RFC 3339. */
  createdAt: string;
}
