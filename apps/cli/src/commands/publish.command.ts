import { Command } from 'commander';
import { usageError } from '../cli-error';
import { CommandContext } from '../context';
import { readStdin } from './auth.command';

/** `skiff publish TOPIC [DATA]`: publishes to a topic through the gateway (`POST /system/topics/<topic>`). */
export function registerPublish(program: Command): void {
  program
    .command('publish')
    .argument('<topic>', 'topic (every function annotated topic: <topic> is invoked asynchronously)')
    .argument('[data]', 'message body (read from stdin when omitted)')
    .description('publish a message to a topic, like nats pub <prefix>.topic.<topic>')
    .option('--content-type <type>', 'content type of the message', 'text/plain')
    .option('--message-id <id>', 'de-duplication id (a resend with the same id within 2 minutes is dropped)')
    .action(async (topic: string, data: string | undefined, _o, cmd: Command) => {
      const ctx = new CommandContext<{ contentType: string; messageId?: string }>(cmd);
      if (!topic.trim()) throw usageError('topic must not be empty');
      const body = data !== undefined ? Buffer.from(data) : await readStdin();
      const client = await ctx.gateway();
      const headers: Record<string, string> = { 'content-type': ctx.opts.contentType };
      if (ctx.opts.messageId) headers['x-message-id'] = ctx.opts.messageId;
      const reply = await client.call('POST', `/system/topics/${encodeURIComponent(topic)}`, { body, headers });
      const { messageId } = JSON.parse(reply.text) as { messageId: string };
      ctx.out.line(`Published to ${topic} (message ${messageId})`);
    });
}
