import { Command } from 'commander';
import { usageError } from '../cli-error';
import { CommandContext } from '../context';
import { durationMs } from '../deploy/key-values';

/** One log message. */
interface LogMessage {
  name: string;
  namespace?: string;
  instance?: string;
  timestamp: string;
  text: string;
}

/** Options of logs. */
interface LogsOptions {
  namespace?: string;
  follow?: boolean;
  tail?: string;
  lines?: string;
  since?: string;
  sinceTime?: string;
  instance?: string;
  output: string;
}

/** `--tail N` (lines, kubectl style) or faas-cli's `--tail=true|false` (follow). */
function tailOption(o: LogsOptions): { follow: boolean; lines?: number } {
  let follow = Boolean(o.follow);
  let lines: number | undefined;
  if (o.tail !== undefined) {
    if (o.tail === 'true' || o.tail === 'false') follow = o.tail === 'true';
    else if (/^-?\d+$/.test(o.tail)) lines = Number(o.tail);
    else throw usageError(`--tail ${o.tail} must be a number of lines`);
  }
  if (o.lines !== undefined) {
    if (!/^-?\d+$/.test(o.lines)) throw usageError(`--lines ${o.lines} must be a number`);
    lines = Number(o.lines);
  }
  return { follow, lines: lines !== undefined && lines > 0 ? lines : undefined };
}

/** `skiff logs NAME`: GET /system/logs, NDJSON, streamed with --follow. */
export function registerLogs(program: Command): void {
  program
    .command('logs')
    .argument('<name>', 'function name')
    .description("print a function's logs (stdout/stderr of its replicas)")
    .option('-n, --namespace <ns>', 'namespace')
    .option('--follow', 'keep printing new lines until interrupted')
    .option('--tail <n>', 'only the last N lines')
    .option('--lines <n>', 'same as --tail N (faas-cli)')
    .option('--since <duration>', 'only lines newer than this, e.g. 10m')
    .option('--since-time <time>', 'only lines after this RFC 3339 time')
    .option('--instance <id>', 'only this replica')
    .option('-o, --output <format>', 'plain, keyvalue or json', 'plain')
    .action(async (name: string, _o, cmd: Command) => {
      const ctx = new CommandContext<LogsOptions>(cmd);
      const o = ctx.opts;
      if (!['plain', 'keyvalue', 'json'].includes(o.output)) throw usageError(`--output ${o.output} must be plain, keyvalue or json`);
      if (o.since && o.sinceTime) throw usageError('give either --since or --since-time');
      let since: string | undefined;
      if (o.since) since = new Date(Date.now() - durationMs(o.since, '--since')).toISOString();
      if (o.sinceTime) {
        if (Number.isNaN(Date.parse(o.sinceTime))) throw usageError(`--since-time ${o.sinceTime} is not an RFC 3339 time`);
        since = o.sinceTime;
      }
      const { follow, lines } = tailOption(o);
      const client = await ctx.gateway();
      const reply = await client.call('GET', '/system/logs', {
        query: {
          name,
          namespace: o.namespace,
          follow: String(follow),
          since,
          tail: lines !== undefined ? String(lines) : undefined,
          instance: o.instance,
        },
        stream: true,
      });
      const format = ctx.opts.json ? 'json' : o.output;
      const print = (raw: string) => {
        if (!raw.trim()) return;
        if (format === 'json') return ctx.out.line(raw);
        let m: LogMessage;
        try {
          m = JSON.parse(raw) as LogMessage;
        } catch {
          return ctx.out.line(raw);
        }
        const text = m.text.replace(/\n$/, '');
        if (format === 'keyvalue')
          ctx.out.line(`timestamp=${m.timestamp} name=${m.name} instance=${m.instance ?? ''} text=${JSON.stringify(text)}`);
        else ctx.out.line(`${ctx.out.c.dim(m.timestamp)} ${m.name} (${m.instance ?? ''}) ${text}`);
      };
      const body = reply.response.body;
      if (!body) return;
      let buffered = '';
      const decoder = new TextDecoder();
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          print(buffered.slice(0, nl));
          buffered = buffered.slice(nl + 1);
        }
      }
      print(buffered);
    });
}
