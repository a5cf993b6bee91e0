import { Command } from 'commander';
import type { FunctionStatus as GatewayFunctionStatus } from '@skiff/contracts/openfaas/function-status';
import type { FunctionResources } from '@skiff/contracts/openfaas/function-resources';
import { CommandContext } from '../context';
import { GatewayClient } from '../gateway/gateway.client';

/**
 * FunctionStatus as an OpenFaaS gateway lists it. The CLI also talks to other gateways, so only name and
 * image are assumed present (absent counters mean 0).
 */
export type FunctionStatus = Pick<GatewayFunctionStatus, 'name' | 'image'> & Partial<Omit<GatewayFunctionStatus, 'name' | 'image'>>;

/** GET /system/functions. */
export function listFunctions(client: GatewayClient, namespace?: string): Promise<FunctionStatus[]> {
  return client.getJson<FunctionStatus[]>('/system/functions', { namespace });
}

const kv = (m?: Record<string, string> | FunctionResources) =>
  m && Object.keys(m).length
    ? Object.entries(m)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')
    : '<none>';

/** `skiff list` and `skiff describe`. */
export function registerList(program: Command): void {
  program
    .command('list')
    .alias('ls')
    .description('list the deployed functions')
    .option('-n, --namespace <ns>', 'namespace')
    .option('-v, --verbose', 'also show image and creation time')
    .option('-q, --quiet', 'names only')
    .option('--sort <key>', 'name or invocations', 'name')
    .action(async (_o, cmd: Command) => {
      const ctx = new CommandContext<{ namespace?: string; verbose?: boolean; quiet?: boolean; sort: string }>(cmd);
      const functions = await listFunctions(await ctx.gateway(), ctx.opts.namespace);
      functions.sort((a, b) =>
        ctx.opts.sort === 'invocations' ? (b.invocationCount ?? 0) - (a.invocationCount ?? 0) : a.name.localeCompare(b.name),
      );
      if (ctx.out.json) return ctx.out.data(functions);
      if (ctx.opts.quiet) return functions.forEach((f) => ctx.out.line(f.name));
      const head = ['Function', 'Invocations', 'Replicas', ...(ctx.opts.verbose ? ['Image', 'CreatedAt'] : [])];
      ctx.out.table(
        head,
        functions.map((f) => [
          f.name,
          Math.round(f.invocationCount ?? 0),
          f.replicas ?? 0,
          ...(ctx.opts.verbose ? [f.image, f.createdAt ?? ''] : []),
        ]),
      );
    });

  program
    .command('describe')
    .argument('<name>', 'function name')
    .description('show one function: status, replicas, invocations, image, process, URLs, settings')
    .option('-n, --namespace <ns>', 'namespace')
    .action(async (name: string, _o, cmd: Command) => {
      const ctx = new CommandContext<{ namespace?: string }>(cmd);
      const client = await ctx.gateway();
      const ns = ctx.opts.namespace;
      const fn = await client.getJson<FunctionStatus>(`/system/function/${name}`, { namespace: ns });
      const listed = (await listFunctions(client, ns).catch(() => [] as FunctionStatus[])).find((f) => f.name === name);
      fn.invocationCount = listed?.invocationCount ?? fn.invocationCount ?? 0;
      if (ctx.out.json) return ctx.out.data(fn);
      const ref = ns ? `${name}.${ns}` : name;
      const ready = (fn.availableReplicas ?? 0) > 0;
      ctx.out.fields([
        ['Name', fn.name],
        ['Status', ready ? ctx.out.c.green('Ready') : ctx.out.c.yellow('Not Ready')],
        ['Replicas', String(fn.replicas ?? 0)],
        ['Available Replicas', String(fn.availableReplicas ?? 0)],
        ['Invocations', String(Math.round(fn.invocationCount ?? 0))],
        ['Image', fn.image],
        ['Function Process', fn.envProcess || '<default>'],
        ['URL', `${client.url}/function/${ref}`],
        ['Async URL', `${client.url}/async-function/${ref}`],
        ['Namespace', fn.namespace ?? ''],
        ['Labels', kv(fn.labels)],
        ['Annotations', kv(fn.annotations)],
        ['Environment', kv(fn.envVars)],
        ['Secrets', fn.secrets?.length ? fn.secrets.join(', ') : '<none>'],
        ['Requests', kv(fn.requests)],
        ['Limits', kv(fn.limits)],
        ['Created', fn.createdAt ?? ''],
      ]);
    });
}
