import { Command } from 'commander';
import { CommandContext } from '../context';
import { collect } from '../deploy/key-values';
import { buildFunctions } from '../deploy/pipeline';

/** Options of build. */
interface BuildOptions {
  docker?: boolean;
  cache?: boolean;
  buildArg?: string[];
}

/** `skiff build`: template + handler → bundle (or a Docker image with --docker). */
export function registerBuild(program: Command): void {
  program
    .command('build')
    .description('build the functions of stack.yml into bundles (build/<fn>.bundle.tar.gz); unchanged ones are reused')
    .option('--docker', 'build a container image instead (docker build of build/<fn>/; for container backends)')
    .option('--no-cache', 'rebuild even when nothing changed')
    .option('-b, --build-arg <KEY=VALUE>', 'build argument (repeatable; given to the dependency installer as environment)', collect)
    .action(async (_o, cmd: Command) => {
      const ctx = new CommandContext<BuildOptions>(cmd);
      const { stack, functions } = await ctx.functions();
      const built = await buildFunctions(stack, functions, ctx.out, {
        noCache: ctx.opts.cache === false,
        docker: ctx.opts.docker,
        buildArgs: ctx.opts.buildArg,
      });
      if (ctx.out.json) ctx.out.data(built);
    });
}
