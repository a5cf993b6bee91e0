import { Command } from 'commander';
import { CommandContext } from '../context';
import { pushFunctions } from '../deploy/pipeline';

/** `skiff push`: uploads built bundles to the gateway (PUT /system/bundles/<image>). */
export function registerPush(program: Command): void {
  program
    .command('push')
    .description('upload the built bundles to the gateway (skipped when it already has the same digest)')
    .action(async (_o, cmd: Command) => {
      const ctx = new CommandContext(cmd);
      const { stack, functions } = await ctx.functions();
      await pushFunctions(await ctx.gateway(), stack, functions, ctx.out);
    });
}
