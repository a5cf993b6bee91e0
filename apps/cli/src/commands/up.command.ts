import { Command } from 'commander';
import { CommandContext } from '../context';
import { deployFunction } from '../deploy/deployer';
import { collect } from '../deploy/key-values';
import { pushImages } from '../build/image.pipeline';
import { buildFunctions, builtImage, DeployFlags, pushFunctions, specFromStack } from '../deploy/pipeline';
import { addDeployOptions, deployOptions } from './deploy-options';
import { addImageOptions, imageFlags, ImageFlags } from './image-options';

/** Options of up. */
type UpOptions = DeployFlags &
  ImageFlags & {
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
    addImageOptions(
      program
        .command('up')
        .description('build, push and deploy the functions of stack.yml')
        .option('--no-cache', 'rebuild even when nothing changed')
        .option('-b, --build-arg <KEY=VALUE>', 'build argument (repeatable)', collect)
        .option('--skip-push', 'build and deploy without pushing (images: a single node, no registry)')
        .option('--skip-deploy', 'build and push only'),
    ),
  ).action(async (_o, cmd: Command) => {
    const ctx = new CommandContext<UpOptions>(cmd);
    const o = ctx.opts;
    const flags = imageFlags(o);
    const { stack, functions } = await ctx.functions();
    // Every deploy body is checked (env files, flags) before anything is built.
    const specs = functions.map((fn) => ({ ...specFromStack(stack, fn, o), image: builtImage(stack, fn, flags.tag) }));
    const options = deployOptions(o);
    const client = await ctx.gateway();
    await buildFunctions(stack, functions, ctx.out, { ...flags, noCache: o.cache === false, buildArgs: o.buildArg });
    const imageOf = (fn: (typeof functions)[number]) => builtImage(stack, fn, flags.tag);
    if (!o.skipPush && flags.docker) await pushImages(functions, ctx.out, { parallel: flags.parallel, imageOf });
    else if (!o.skipPush) await pushFunctions(client, stack, functions, ctx.out);
    if (o.skipDeploy) return;
    for (const spec of specs) ctx.out.line(await deployFunction(client, spec, options, ctx.out));
  });
}
