import { Command } from 'commander';
import { isDnsLabel } from '@skiff/contracts/names';
import { usageError } from '../cli-error';
import { CommandContext } from '../context';
import { collect, keyValues } from '../deploy/key-values';

function namespaceName(name: string): string {
  if (!isDnsLabel(name)) throw usageError(`namespace "${name}" must be lower-case letters, digits and "-" (a DNS-1123 label)`);
  return name;
}

/** `skiff namespace list|create|delete` (faasd's /system/namespaces and /system/namespace/<name>). */
export function registerNamespace(program: Command): void {
  const ns = program.command('namespace').aliases(['namespaces', 'ns']).description('namespaces');
  ns.command('list')
    .alias('ls')
    .description('list the namespaces (the default, created ones, and those holding functions or secrets)')
    .action(async (_o, cmd: Command) => {
      const ctx = new CommandContext(cmd);
      const namespaces = await (await ctx.gateway()).getJson<string[]>('/system/namespaces');
      if (ctx.out.json) return ctx.out.data(namespaces);
      ctx.out.line('Namespaces:');
      for (const name of namespaces) ctx.out.line(` - ${name}`);
    });
  ns.command('create')
    .argument('<name>', 'namespace name')
    .option('-l, --label <key=value>', 'a label (repeat); openfaas=1 is always set', collect)
    .option('--annotation <key=value>', 'an annotation (repeat)', collect)
    .description('create a namespace to deploy functions and secrets into')
    .action(async (name: string, _o, cmd: Command) => {
      const ctx = new CommandContext<{ label?: string[]; annotation?: string[] }>(cmd);
      const body = {
        name: namespaceName(name),
        labels: { ...keyValues(ctx.opts.label, '--label'), openfaas: '1' },
        annotations: keyValues(ctx.opts.annotation, '--annotation'),
      };
      await (await ctx.gateway()).call('POST', '/system/namespace/', { body });
      if (ctx.out.json) return ctx.out.data(body);
      ctx.out.line(`Created: ${name}`);
    });
  ns.command('delete')
    .aliases(['rm', 'remove'])
    .argument('<name>', 'namespace name')
    .description('delete an empty namespace (409 while it holds functions or secrets)')
    .action(async (name: string, _o, cmd: Command) => {
      const ctx = new CommandContext(cmd);
      await (await ctx.gateway()).call('DELETE', `/system/namespace/${namespaceName(name)}`);
      if (ctx.out.json) return ctx.out.data({ name, deleted: true });
      ctx.out.line(`Deleted: ${name}`);
    });
}
