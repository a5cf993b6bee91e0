import { FunctionDeployment } from '../openfaas/function-deployment';

/** Value of one key in the function registry KV bucket. Written only by the provider. */
export interface FunctionRecord {
  /** The deployment as accepted, with `namespace` filled in. */
  spec: FunctionDeployment & { namespace: string };
  /** Desired replicas. */
  replicas: number;
  /** First deploy, RFC 3339. */
  createdAt: string;
  /** Last change, RFC 3339. */
  updatedAt: string;
}
