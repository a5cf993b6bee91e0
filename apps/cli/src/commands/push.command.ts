import { Command } from 'commander';
import { pushImages } from '../build/image.pipeline';
import { CommandContext } from '../context';
import { builtImage, pushFunctions } from '../deploy/pipeline';
import { addImageOptions, imageFlags, ImageFlags } from './image-options';

/** `skiff push`: uploads built bundles to the gateway, or `docker push`es the images. */
export function registerPush(program: Command): void {
  addImageOptions(
    program
      .command('push')
      .description(
        'upload the built bundles to the gateway (skipped when it already has the same digest), or push the images to their registry',
      ),
  ).action(async (_o, cmd: Command) => {
    const ctx = new CommandContext<ImageFlags>(cmd);
    const flags = imageFlags(ctx.opts);
    const { stack, functions } = await ctx.functions();
    if (flags.docker) await pushImages(functions, ctx.out, { parallel: flags.parallel, imageOf: (fn) => builtImage(stack, fn, flags.tag) });
    else await pushFunctions(await ctx.gateway(), stack, functions, ctx.out);
  });
}
