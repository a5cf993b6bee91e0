import { CliError, EXIT } from '../cli-error';
import { GatewayClient } from '../gateway/gateway.client';
import { Output } from '../ui/output';

/** FunctionDeployment as sent to POST/PUT /system/functions. */
export interface DeploymentSpec {
  /** Function name. */
  service: string;
  /** Image or bundle. */
  image: string;
  /** Namespace (omitted = gateway default). */
  namespace?: string;
  /** fprocess. */
  envProcess?: string;
  /** Environment. */
  envVars?: Record<string, string>;
  /** Labels. */
  labels?: Record<string, string>;
  /** Annotations. */
  annotations?: Record<string, string>;
  /** Secrets. */
  secrets?: string[];
  /** Constraints. */
  constraints?: string[];
  /** Limits. */
  limits?: { memory?: string; cpu?: string };
  /** Requests. */
  requests?: { memory?: string; cpu?: string };
  /** Read-only root filesystem. */
  readOnlyRootFilesystem?: boolean;
}

/** How to deploy. */
export interface DeployOptions {
  /** DELETE first, then POST. */
  replace?: boolean;
  /** PUT first, POST when the function does not exist (faas-cli default). */
  update?: boolean;
  /** Wait until a replica is ready. */
  wait?: boolean;
  /** Longest wait for readiness. */
  timeoutMs?: number;
}

/** Drops empty fields so the body looks like faas-cli's. */
function compact(spec: DeploymentSpec): DeploymentSpec {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec)) {
    if (v === undefined || v === '' || (Array.isArray(v) && !v.length)) continue;
    if (v && typeof v === 'object' && !Array.isArray(v) && !Object.keys(v).length) continue;
    out[k] = v;
  }
  return out as unknown as DeploymentSpec;
}

const query = (ns?: string) => (ns ? { namespace: ns } : undefined);

/** Deploys one function with progress; returns its URL. */
export async function deployFunction(client: GatewayClient, spec: DeploymentSpec, options: DeployOptions, out: Output): Promise<string> {
  const body = compact(spec);
  const step = out.step(`Deploying ${spec.service}${spec.namespace ? `.${spec.namespace}` : ''} (${spec.image})`);
  try {
    let status: number;
    if (options.replace) {
      await client.call('DELETE', '/system/functions', { body: { functionName: spec.service, namespace: spec.namespace }, accept: [404] });
      await waitGone(client, spec.service, spec.namespace);
      status = (await client.call('POST', '/system/functions', { body })).status;
    } else if (options.update !== false) {
      status = (await client.call('PUT', '/system/functions', { body, accept: [404] })).status;
      if (status === 404) status = (await client.call('POST', '/system/functions', { body })).status;
    } else status = (await client.call('POST', '/system/functions', { body })).status;
    if (options.wait !== false) {
      step.update('waiting for a ready replica');
      await waitReady(client, spec.service, spec.namespace, options.timeoutMs ?? 60_000);
    }
    step.succeed(`Deployed ${spec.service} (${status})`);
  } catch (err) {
    step.fail(`Deploy of ${spec.service} failed`);
    throw err;
  }
  const ref = spec.namespace ? `${spec.service}.${spec.namespace}` : spec.service;
  return `${client.url}/function/${ref}`;
}

async function waitGone(client: GatewayClient, name: string, namespace?: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = await client.call('GET', `/system/function/${name}`, { query: query(namespace), accept: [404] });
    if (r.status === 404) return;
    await new Promise((r2) => setTimeout(r2, 100));
  }
}

/** Polls the function's status until `availableReplicas > 0`. */
export async function waitReady(
  client: GatewayClient,
  name: string,
  namespace: string | undefined,
  timeoutMs: number,
  intervalMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await client.call('GET', `/system/function/${name}`, { query: query(namespace), accept: [404] });
    if (r.status === 200 && ((JSON.parse(r.text) as { availableReplicas?: number }).availableReplicas ?? 0) > 0) return;
    if (Date.now() > deadline) {
      throw new CliError(
        `${name} has no ready replica after ${Math.round(timeoutMs / 1000)} s`,
        EXIT.failed,
        `see what it printed: skiff logs ${name}`,
      );
    }
    await new Promise((r2) => setTimeout(r2, intervalMs));
  }
}
