import { Command } from 'commander';
import { usageError } from '../cli-error';
import { CommandContext } from '../context';
import { deployFunction } from '../deploy/deployer';
import { checkBundlesPushed, DeployFlags, specFromStack } from '../deploy/pipeline';
import { keyValues } from '../deploy/key-values';
import { addDeployOptions, deployOptions } from './deploy-options';

/** Options of deploy. */
type DeployCommandOptions = DeployFlags & {
  image?: string;
  name?: string;
  replace?: boolean;
  update?: boolean;
  wait?: boolean;
  timeout?: string;
};

/** `skiff deploy`: from stack.yml, or one function from --image --name [--fprocess]. */
export function registerDeploy(program: Command): void {
  addDeployOptions(
    program
      .command('deploy')
      .description('deploy the functions of stack.yml, or one function given by --image and --name')
      .option('--image <image>', 'image or bundle to deploy (with --name)')
      .option('--name <name>', 'function name (with --image)')
      .option('--fprocess <command>', 'process the watchdog runs (any binary on the host for the local backend)'),
  ).action(async (_o, cmd: Command) => {
    const ctx = new CommandContext<DeployCommandOptions>(cmd);
    const o = ctx.opts;
    const options = deployOptions(o);
    const client = await ctx.gateway();
    if (o.image || o.name) {
      if (!o.image || !o.name) throw usageError('give both --image and --name (or neither, to deploy stack.yml)');
      const url = await deployFunction(
        client,
        {
          service: o.name,
          image: o.image,
          namespace: o.namespace,
          envProcess: o.fprocess,
          envVars: keyValues(o.env, '--env'),
          labels: keyValues(o.label, '--label'),
          annotations: keyValues(o.annotation, '--annotation'),
          secrets: o.secret,
          constraints: o.constraint,
          limits: { memory: o.memoryLimit, cpu: o.cpuLimit },
          requests: { memory: o.memoryRequest, cpu: o.cpuRequest },
          readOnlyRootFilesystem: o.readonly,
        },
        options,
        ctx.out,
      );
      ctx.out.line(url);
      return;
    }
    const { stack, functions } = await ctx.functions();
    const specs = functions.map((fn) => specFromStack(stack, fn, o));
    await checkBundlesPushed(client, stack, functions);
    for (const spec of specs) ctx.out.line(await deployFunction(client, spec, options, ctx.out));
  });
}
