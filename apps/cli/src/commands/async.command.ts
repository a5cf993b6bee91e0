import { Command } from 'commander';
import type { AsyncCallResult, DeadLetterSummary } from '@skiff/contracts/messages/async-call-result';
import { usageError } from '../cli-error';
import { CommandContext } from '../context';

/** A dead-letter id as the gateway numbers them. */
function deadLetterId(raw: string): string {
  if (!/^[1-9]\d*$/.test(raw))
    throw usageError(`dead-letter id must be a positive whole number, got "${raw}"`, 'skiff dlq list shows them');
  return raw;
}

/** `skiff async status|cancel <call-id>`: what only `curl /async-function/...` reached before. */
function registerAsync(program: Command): void {
  const group = program.command('async').description('async calls: status of a call by its X-Call-Id, cancel a queued call');
  group
    .command('status')
    .argument('<call-id>', 'the X-Call-Id the 202 answered with')
    .option('--function <name[.ns]>', 'the function of the call (needed when several functions have a call with this id)')
    .description('state of an async call (queued, running, succeeded, failed, dead-lettered, cancelled) and its result')
    .action(async (callId: string, _o, cmd: Command) => {
      const ctx = new CommandContext<{ function?: string }>(cmd);
      const path = `/async-function/status/${encodeURIComponent(callId)}`;
      const call = await (await ctx.gateway()).getJson<AsyncCallResult>(path, { function: ctx.opts.function }, true);
      if (ctx.out.json) return ctx.out.data(call);
      const fields: Array<[string, string]> = [
        ['Call', call.callId],
        ['Function', `${call.name}.${call.namespace}`],
        ['State', call.state],
        ['Attempts', String(call.attempts ?? 0)],
      ];
      if (call.statusCode !== undefined) fields.push(['Status', String(call.statusCode)]);
      if (call.durationSeconds !== undefined) fields.push(['Duration', `${call.durationSeconds}s`]);
      if (call.error) fields.push(['Error', call.error]);
      if (call.body !== undefined)
        fields.push(['Body', call.bodyEncoding === 'base64' ? `(${call.body.length} base64 characters)` : call.body]);
      ctx.out.fields(fields);
    });
  group
    .command('cancel')
    .argument('<call-id>', 'the X-Call-Id of a call that has not started')
    .option('--function <name[.ns]>', 'the function of the call')
    .description('cancel a queued async call (409 once it has started)')
    .action(async (callId: string, _o, cmd: Command) => {
      const ctx = new CommandContext<{ function?: string }>(cmd);
      await (
        await ctx.gateway()
      ).call('DELETE', `/async-function/${encodeURIComponent(callId)}`, { query: { function: ctx.opts.function }, admin: true });
      if (ctx.out.json) return ctx.out.data({ callId, state: 'cancelled' });
      ctx.out.line(`Cancelled: ${callId}`);
    });
}

/** `skiff dlq list|show|replay|drop`: async calls that ran out of attempts. */
function registerDeadLetters(program: Command): void {
  const dlq = program.command('dlq').alias('dead-letters').description('dead letters: async calls given up after their last attempt');
  dlq
    .command('list')
    .alias('ls')
    .description('dead letters, oldest first')
    .option('--name <function>', 'only this function')
    .option('-n, --namespace <ns>', 'only this namespace')
    .option('--limit <n>', 'at most this many (1-1000)', '100')
    .action(async (_o, cmd: Command) => {
      const ctx = new CommandContext<{ name?: string; namespace?: string; limit: string }>(cmd);
      const { name, namespace, limit } = ctx.opts;
      const letters = await (await ctx.gateway()).getJson<DeadLetterSummary[]>('/system/async/dead-letters', { name, namespace, limit });
      if (ctx.out.json) return ctx.out.data(letters);
      ctx.out.table(
        ['Id', 'Function', 'Call', 'Status', 'Attempts', 'Dead at', 'Reason'],
        letters.map((d) => [d.id, `${d.name}.${d.namespace}`, d.callId, d.status, d.attempts, d.deadAt, d.reason]),
      );
    });
  dlq
    .command('show')
    .argument('<id>', 'dead-letter id (skiff dlq list)')
    .description('one dead letter: its call, last status, attempts and why it was given up')
    .action(async (id: string, _o, cmd: Command) => {
      const ctx = new CommandContext(cmd);
      const d = await (await ctx.gateway()).getJson<DeadLetterSummary>(`/system/async/dead-letters/${deadLetterId(id)}`);
      if (ctx.out.json) return ctx.out.data(d);
      ctx.out.fields([
        ['Id', String(d.id)],
        ['Function', `${d.name}.${d.namespace}`],
        ['Call', d.callId],
        ['Request', `${d.method} ${d.path} (${d.bodySize} bytes)`],
        ['Last status', String(d.status)],
        ['Attempts', String(d.attempts)],
        ['Queued at', d.queuedAt ?? ''],
        ['Dead at', d.deadAt],
        ['Reason', d.reason],
        ['Callback', d.callbackUrl ?? ''],
      ]);
    });
  dlq
    .command('replay')
    .argument('<id>', 'dead-letter id')
    .description('queue the call again (fresh attempts, same call id) and remove the dead letter')
    .action(async (id: string, _o, cmd: Command) => {
      const ctx = new CommandContext(cmd);
      const reply = await (await ctx.gateway()).call('POST', `/system/async/dead-letters/${deadLetterId(id)}/replay`);
      const callId = reply.headers.get('x-call-id') ?? '';
      if (ctx.out.json) return ctx.out.data({ id: Number(id), callId });
      ctx.out.line(`Replayed: dead letter ${id} queued again as call ${callId}`);
    });
  dlq
    .command('drop')
    .aliases(['rm', 'delete'])
    .argument('<id>', 'dead-letter id')
    .description('delete a dead letter')
    .action(async (id: string, _o, cmd: Command) => {
      const ctx = new CommandContext(cmd);
      await (await ctx.gateway()).call('DELETE', `/system/async/dead-letters/${deadLetterId(id)}`);
      if (ctx.out.json) return ctx.out.data({ id: Number(id), dropped: true });
      ctx.out.line(`Dropped: dead letter ${id}`);
    });
}

/** The async commands. */
export function registerAsyncCommands(program: Command): void {
  registerAsync(program);
  registerDeadLetters(program);
}
