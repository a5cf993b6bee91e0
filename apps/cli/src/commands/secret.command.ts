import { readFileSync, existsSync } from 'node:fs';
import { Command } from 'commander';
import { isDnsLabel } from '@skiff/contracts/names';
import { CliError, EXIT, usageError } from '../cli-error';
import { CommandContext } from '../context';
import { readStdin } from './auth.command';

/** Options of secret create/update. */
interface SecretOptions {
  namespace?: string;
  fromLiteral?: string;
  fromFile?: string;
  trim: boolean;
  replace?: boolean;
}

/** The Secret body: `--from-literal`, `--from-file` (rawValue, base64) or stdin; empty values are refused. */
async function secretBody(name: string, o: SecretOptions): Promise<Record<string, string>> {
  if (!isDnsLabel(name)) throw usageError(`secret name "${name}" must be lower-case letters, digits and "-"`);
  if (o.fromLiteral !== undefined && o.fromFile) throw usageError('give either --from-literal or --from-file');
  const body: Record<string, string> = { name, ...(o.namespace ? { namespace: o.namespace } : {}) };
  if (o.fromFile) {
    if (!existsSync(o.fromFile)) throw usageError(`--from-file ${o.fromFile} does not exist`);
    const data = readFileSync(o.fromFile);
    if (!data.length) throw usageError(`${o.fromFile} is empty: a secret needs a value`);
    body.rawValue = data.toString('base64');
    body.value = data.toString('utf8');
    return body;
  }
  let value = o.fromLiteral ?? (await readStdin()).toString('utf8');
  if (o.trim) value = value.trim();
  if (!value) throw usageError('the secret value is empty', 'give it with --from-literal, --from-file or on stdin');
  body.value = value;
  return body;
}

/** `skiff secret create|update|list|remove`. */
export function registerSecret(program: Command): void {
  const secret = program.command('secret').description('secrets functions read from /var/openfaas/secrets/<name>');
  const valueOptions = (cmd: Command) =>
    cmd
      .option('-n, --namespace <ns>', 'namespace')
      .option('--from-literal <value>', 'the value')
      .option('--from-file <file>', 'read the value (binary allowed) from a file')
      .option('--no-trim', 'keep leading/trailing whitespace of a literal or stdin value');

  valueOptions(
    secret
      .command('create')
      .argument('<name>', 'secret name')
      .description('create a secret (value from --from-literal, --from-file or stdin)'),
  )
    .option('--replace', 'update it when it already exists')
    .action(async (name: string, _o, cmd: Command) => {
      const ctx = new CommandContext<SecretOptions>(cmd);
      const body = await secretBody(name, ctx.opts);
      const client = await ctx.gateway();
      const reply = await client.call('POST', '/system/secrets', { body, accept: [409] });
      if (reply.status === 409) {
        if (!ctx.opts.replace)
          throw new CliError(
            `secret ${name} already exists`,
            EXIT.usage,
            `update it with skiff secret update ${name}, or create --replace`,
          );
        await client.call('PUT', '/system/secrets', { body });
        if (ctx.out.json) return ctx.out.data({ name, namespace: ctx.opts.namespace, updated: true });
        return ctx.out.line(`Updated: ${name}`);
      }
      if (ctx.out.json) return ctx.out.data({ name, namespace: ctx.opts.namespace, created: true });
      ctx.out.line(`Created: ${name}`);
    });

  valueOptions(secret.command('update').alias('u').argument('<name>', 'secret name').description('change the value of a secret')).action(
    async (name: string, _o, cmd: Command) => {
      const ctx = new CommandContext<SecretOptions>(cmd);
      const body = await secretBody(name, ctx.opts);
      await (await ctx.gateway()).call('PUT', '/system/secrets', { body });
      if (ctx.out.json) return ctx.out.data({ name, namespace: ctx.opts.namespace, updated: true });
      ctx.out.line(`Updated: ${name}`);
    },
  );

  secret
    .command('list')
    .alias('ls')
    .description('list secret names (values are never shown)')
    .option('-n, --namespace <ns>', 'namespace')
    .action(async (_o, cmd: Command) => {
      const ctx = new CommandContext<{ namespace?: string }>(cmd);
      const secrets = await (
        await ctx.gateway()
      ).getJson<Array<{ name: string; namespace?: string }>>('/system/secrets', { namespace: ctx.opts.namespace });
      if (ctx.out.json) return ctx.out.data(secrets);
      ctx.out.table(
        ['Name', 'Namespace'],
        secrets.map((s) => [s.name, s.namespace ?? '']),
      );
    });

  secret
    .command('remove')
    .aliases(['rm', 'delete'])
    .argument('<name>', 'secret name')
    .description('remove a secret')
    .option('-n, --namespace <ns>', 'namespace')
    .action(async (name: string, _o, cmd: Command) => {
      const ctx = new CommandContext<{ namespace?: string }>(cmd);
      const ns = ctx.opts.namespace;
      await (
        await ctx.gateway()
      ).call('DELETE', '/system/secrets', { body: { name, ...(ns ? { namespace: ns } : {}) }, query: { namespace: ns } });
      if (ctx.out.json) return ctx.out.data({ name, namespace: ns, removed: true });
      ctx.out.line(`Removed: ${name}`);
    });
}
