import { Command } from 'commander';
import { CommandContext } from '../context';
import { collect } from '../deploy/key-values';
import { buildFunctions } from '../deploy/pipeline';
import { addImageOptions, imageFlags, ImageFlags } from './image-options';

/** Options of build. */
interface BuildOptions extends ImageFlags {
  cache?: boolean;
  buildArg?: string[];
}

/** `skiff build`: template + handler → bundle (or a container image with --docker). */
export function registerBuild(program: Command): void {
  addImageOptions(
    program
      .command('build')
      .description(
        'build the functions of stack.yml into bundles (build/<fn>.bundle.tar.gz) or container images; unchanged bundles are reused',
      )
      .option('--no-cache', 'rebuild even when nothing changed')
      .option(
        '-b, --build-arg <KEY=VALUE>',
        "build argument (repeatable; a docker build-arg, or the dependency installer's environment)",
        collect,
      ),
  ).action(async (_o, cmd: Command) => {
    const ctx = new CommandContext<BuildOptions>(cmd);
    const flags = imageFlags(ctx.opts);
    const { stack, functions } = await ctx.functions();
    const built = await buildFunctions(stack, functions, ctx.out, {
      ...flags,
      noCache: ctx.opts.cache === false,
      buildArgs: ctx.opts.buildArg,
    });
    if (ctx.out.json) ctx.out.data(built);
  });
}
