import { Command } from 'commander';
import { CommandContext } from '../context';
import { deployFunction } from '../deploy/deployer';
import { collect } from '../deploy/key-values';
import { buildFunctions, DeployFlags, pushFunctions, specFromStack } from '../deploy/pipeline';
import { addDeployOptions, deployOptions } from './deploy-options';

/** Options of up. */
type UpOptions = DeployFlags & {
  cache?: boolean;
  buildArg?: string[];
  skipPush?: boolean;
  skipDeploy?: boolean;
  replace?: boolean;
  update?: boolean;
  wait?: boolean;
  timeout?: string;
};

/** `skiff up`: build, push and deploy in one go. */
export function registerUp(program: Command): void {
  addDeployOptions(
    program
      .command('up')
      .description('build, push and deploy the functions of stack.yml')
      .option('--no-cache', 'rebuild even when nothing changed')
      .option('-b, --build-arg <KEY=VALUE>', 'build argument (repeatable)', collect)
      .option('--skip-push', 'build and deploy without pushing')
      .option('--skip-deploy', 'build and push only'),
  ).action(async (_o, cmd: Command) => {
    const ctx = new CommandContext<UpOptions>(cmd);
    const o = ctx.opts;
    const { stack, functions } = await ctx.functions();
    // Every deploy body is checked (env files, flags) before anything is built.
    const specs = functions.map((fn) => specFromStack(stack, fn, o));
    const options = deployOptions(o);
    const client = await ctx.gateway();
    await buildFunctions(stack, functions, ctx.out, { noCache: o.cache === false, buildArgs: o.buildArg });
    if (!o.skipPush) await pushFunctions(client, stack, functions, ctx.out);
    if (o.skipDeploy) return;
    for (const spec of specs) ctx.out.line(await deployFunction(client, spec, options, ctx.out));
  });
}
