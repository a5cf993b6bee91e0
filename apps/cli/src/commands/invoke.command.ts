import { Command } from 'commander';
import { parseFunctionRef } from '@skiff/contracts/names';
import { CliError, EXIT, usageError } from '../cli-error';
import { CommandContext } from '../context';
import { collect, headerValues, keyValues } from '../deploy/key-values';
import { readStdin } from './auth.command';

/** Options of invoke. */
interface InvokeOptions {
  namespace?: string;
  header?: string[];
  query?: string[];
  method: string;
  contentType: string;
  async?: boolean;
  callbackUrl?: string;
}

/** `skiff invoke NAME`: the body from stdin, the answer on stdout. */
export function registerInvoke(program: Command): void {
  program
    .command('invoke')
    .argument('<name>', 'function name (NAME or NAME.NAMESPACE)')
    .description('call a function with the body read from stdin; prints the answer')
    .option('-n, --namespace <ns>', 'namespace of the function')
    .option('-H, --header <header>', 'request header "Name: value" (repeatable)', collect)
    .option('--query <KEY=VALUE>', 'query parameter (repeatable)', collect)
    .option('-m, --method <method>', 'HTTP method', 'POST')
    .option('--content-type <type>', 'Content-Type of the body', 'text/plain')
    .option('-a, --async', 'queue the call (202) instead of waiting for the answer')
    .option('--callback-url <url>', 'with --async: where the result is posted')
    .action(async (name: string, _o, cmd: Command) => {
      const ctx = new CommandContext<InvokeOptions>(cmd);
      const o = ctx.opts;
      const ref = parseFunctionRef(name, o.namespace ?? 'x');
      if (!ref) throw usageError(`"${name}" is not a function name (NAME or NAME.NAMESPACE)`);
      const target = o.namespace ? `${ref.name}.${o.namespace}` : name;
      if (o.callbackUrl && !o.async) throw usageError('--callback-url needs --async');
      const method = o.method.toUpperCase();
      if (o.async && method !== 'POST') throw usageError('asynchronous calls are POST only');
      if (process.stdin.isTTY) ctx.out.note('Reading from STDIN - hit (Control + D) to stop.');
      const body = await readStdin();
      const headers: Record<string, string> = { 'content-type': o.contentType, ...headerValues(o.header) };
      if (o.callbackUrl) headers['x-callback-url'] = o.callbackUrl;
      const client = await ctx.gateway();
      const path = `/${o.async ? 'async-function' : 'function'}/${target}`;
      const query = keyValues(o.query, '--query');
      const response = await client.fetch(method, path, { body: ['GET', 'HEAD'].includes(method) ? undefined : body, headers, query });
      const data = Buffer.from(await response.arrayBuffer());
      if (o.async && response.status === 202) {
        ctx.out.note('Function submitted asynchronously.');
        const callId = response.headers.get('x-call-id');
        if (callId) ctx.out.line(callId);
        return;
      }
      if (!response.ok) {
        const text = data.toString('utf8').trim();
        const code = response.status === 404 ? EXIT.notFound : EXIT.failed;
        throw new CliError(
          `Server returned unexpected status code: ${response.status} - ${text}`,
          code,
          response.status === 404 ? 'list the functions with skiff list' : undefined,
        );
      }
      process.stdout.write(data);
    });
}
