import { Command } from 'commander';
import { CliError, EXIT, usageError } from '../cli-error';
import { CommandContext } from '../context';

/** `skiff remove [NAME...]`: named functions, or every function of stack.yml. */
export function registerRemove(program: Command): void {
  program
    .command('remove')
    .aliases(['rm', 'delete'])
    .argument('[names...]', 'functions to remove (default: those of stack.yml)')
    .description('remove functions')
    .option('-n, --namespace <ns>', 'namespace')
    .action(async (names: string[], _o, cmd: Command) => {
      const ctx = new CommandContext<{ namespace?: string }>(cmd);
      let targets: Array<{ name: string; namespace?: string }> = names.map((name) => ({ name, namespace: ctx.opts.namespace }));
      const fromStack = !targets.length;
      if (fromStack) {
        const stack = await ctx.stack(false);
        if (!stack) throw usageError('name the functions to remove, or run it next to a stack.yml');
        const { functions } = await ctx.functions();
        targets = functions.map((f) => ({ name: f.name, namespace: ctx.opts.namespace ?? f.namespace }));
      }
      const client = await ctx.gateway();
      const missing: string[] = [];
      for (const t of targets) {
        const r = await client.call('DELETE', '/system/functions', {
          body: { functionName: t.name, ...(t.namespace ? { namespace: t.namespace } : {}) },
          accept: [404],
        });
        if (r.status === 404) {
          ctx.out.note(`No existing function to remove: ${t.name}`);
          missing.push(t.name);
        } else ctx.out.line(`Removed: ${t.name}`);
      }
      // Named functions must exist (exit 5); a stack's functions may already be gone, as with faas-cli.
      if (missing.length && !fromStack) throw new CliError(`not found: ${missing.join(', ')}`, EXIT.notFound);
    });
}
