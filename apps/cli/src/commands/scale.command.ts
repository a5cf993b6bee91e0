import { Command } from 'commander';
import { usageError } from '../cli-error';
import { CommandContext } from '../context';

/** `skiff scale NAME --replicas N`. */
export function registerScale(program: Command): void {
  program
    .command('scale')
    .argument('<name>', 'function name')
    .description('set the number of replicas of a function')
    .requiredOption('-r, --replicas <n>', 'desired replicas')
    .option('-n, --namespace <ns>', 'namespace')
    .action(async (name: string, _o, cmd: Command) => {
      const ctx = new CommandContext<{ replicas: string; namespace?: string }>(cmd);
      if (!/^\d+$/.test(ctx.opts.replicas)) throw usageError(`--replicas ${ctx.opts.replicas} must be a whole number`);
      const replicas = Number(ctx.opts.replicas);
      const client = await ctx.gateway();
      const ns = ctx.opts.namespace;
      await client.call('POST', `/system/scale-function/${name}`, {
        body: { serviceName: name, replicas, ...(ns ? { namespace: ns } : {}) },
        query: { namespace: ns },
      });
      ctx.out.line(`Scaled ${name} to ${replicas} replica(s)`);
    });
}
