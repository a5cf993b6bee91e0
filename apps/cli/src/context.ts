import type { Command } from 'commander';
import { usageError } from './cli-error';
import { GatewayClient } from './gateway/gateway.client';
import { resolveGateway } from './gateway/gateway-url';
import { loadStack, selectFunctions, stackPath } from './stack/stack.loader';
import { Stack, StackFunction } from './stack/stack.types';
import { Output } from './ui/output';

/** Options every command understands (set on the program, usable after the command name too). */
export interface GlobalOptions {
  /** `-g/--gateway`. */
  gateway?: string;
  /** `-f/--yaml`. */
  yaml?: string;
  /** `--filter` glob. */
  filter?: string;
  /** `--regex`. */
  regex?: string;
  /** `--json`. */
  json?: boolean;
  /** `--no-color` sets false. */
  color?: boolean;
  /** `-q/--quiet`. */
  quiet?: boolean;
  /** `--no-envsubst` sets false. */
  envsubst?: boolean;
}

/** What a command needs: its options, output, the stack and the gateway, resolved once. */
export class CommandContext<O = Record<string, unknown>> {
  /** Global and command options together. */
  readonly opts: GlobalOptions & O;
  /** Output. */
  readonly out: Output;
  private stackCache?: Promise<Stack | undefined>;

  constructor(command: Command) {
    this.opts = command.optsWithGlobals() as GlobalOptions & O;
    this.out = new Output(Boolean(this.opts.json), this.opts.color === false ? false : undefined, Boolean(this.opts.quiet));
  }

  /** The stack file, or undefined when none exists and `required` is false. */
  stack(required: true): Promise<Stack>;
  stack(required?: boolean): Promise<Stack | undefined>;
  stack(required = false): Promise<Stack | undefined> {
    this.stackCache ??= (async () => {
      const file = stackPath(this.opts.yaml);
      if (!file) {
        if (required) throw usageError('no stack.yaml or stack.yml here', 'create one with skiff new NAME --lang node20, or pass -f FILE');
        return undefined;
      }
      return loadStack(file, { envsubst: this.opts.envsubst !== false });
    })();
    return this.stackCache.then((s) => {
      if (!s && required)
        throw usageError('no stack.yaml or stack.yml here', 'create one with skiff new NAME --lang node20, or pass -f FILE');
      return s;
    });
  }

  /** Functions of the stack selected by --filter / --regex. */
  async functions(): Promise<{ stack: Stack; functions: StackFunction[] }> {
    const stack = await this.stack(true);
    return { stack, functions: selectFunctions(stack, this.opts.filter, this.opts.regex) };
  }

  /** The gateway client (flag > SKIFF_URL/OPENFAAS_URL > stack provider.gateway > default). */
  async gateway(): Promise<GatewayClient> {
    const yamlGateway =
      this.opts.gateway || process.env.SKIFF_URL || process.env.OPENFAAS_URL
        ? undefined
        : (await this.stack(false).catch(() => undefined))?.gateway;
    return new GatewayClient(resolveGateway(this.opts.gateway, yamlGateway));
  }
}
