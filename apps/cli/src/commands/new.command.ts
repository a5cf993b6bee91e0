import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { parseDocument } from 'yaml';
import { isDnsLabel } from '@skiff/contracts/names';
import { usageError } from '../cli-error';
import { CommandContext } from '../context';
import { copyTree } from '../build/file-tree';
import { findTemplate, listTemplates } from '../build/templates';
import { DEFAULT_STACK_FILES } from '../stack/stack.loader';
import { Output } from '../ui/output';

/** Options of new. */
interface NewOptions {
  lang?: string;
  list?: boolean;
  handler?: string;
  prefix?: string;
  append?: string;
}

/** Prints the templates as a table (or JSON). */
export function printTemplates(out: Output, dir = process.cwd()): void {
  const templates = listTemplates(dir);
  if (out.json)
    return out.data(
      templates.map((t) => ({ name: t.lang, language: t.language, source: t.source, fprocess: t.fprocess, dockerOnly: t.dockerOnly })),
    );
  out.table(
    ['Template', 'Source', 'Runs as'],
    templates.map((t) => [
      t.lang,
      t.source,
      t.dockerOnly ? 'Docker image only' : (t.environment.mode ?? 'classic') + (t.fprocess ? ` (${t.fprocess})` : ''),
    ]),
  );
}

/** `skiff new NAME --lang L`: handler folder from the template + stack.yml entry. */
export function registerNew(program: Command): void {
  program
    .command('new')
    .argument('[name]', 'function name (lower-case letters, digits, "-")')
    .description('create a function from a template: ./NAME/ and an entry in stack.yml')
    .option('--lang <lang>', 'template (see --list)')
    .option('--list', 'list the templates')
    .option('--handler <dir>', 'handler folder (default ./NAME)')
    .option('-p, --prefix <prefix>', 'image prefix, e.g. ghcr.io/me (or SKIFF_PREFIX / OPENFAAS_PREFIX)')
    .option('-a, --append <file>', 'stack file to add the function to (default stack.yaml/stack.yml, created when missing)')
    .action(async (name: string | undefined, _o, cmd: Command) => {
      const ctx = new CommandContext<NewOptions>(cmd);
      const o = ctx.opts;
      if (o.list) return printTemplates(ctx.out);
      if (!name) throw usageError('give the function name: skiff new NAME --lang node20');
      if (!isDnsLabel(name))
        throw usageError(`"${name}" is not a valid function name: use lower-case letters, digits and "-", at most 63 characters`);
      if (!o.lang) throw usageError('give the template with --lang', 'see the templates with skiff new --list');
      const template = findTemplate(o.lang);
      if (!template)
        throw usageError(
          `unknown lang "${o.lang}" (available: ${listTemplates()
            .map((t) => t.lang)
            .join(', ')})`,
        );
      const file = o.append ?? ctx.opts.yaml ?? DEFAULT_STACK_FILES.find((f) => existsSync(f)) ?? 'stack.yml';
      const handler = o.handler ?? `./${name}`;
      if (existsSync(resolve(handler))) throw usageError(`folder ${handler} already exists; pick another name or --handler`);
      const prefix = o.prefix ?? process.env.SKIFF_PREFIX ?? process.env.OPENFAAS_PREFIX;
      const image = `${prefix ? `${prefix.replace(/\/+$/, '')}/` : ''}${name}:latest`;

      const doc = existsSync(file)
        ? parseDocument(readFileSync(file, 'utf8'))
        : parseDocument('version: 1.0\nprovider:\n  name: openfaas\n  gateway: http://127.0.0.1:8080\nfunctions: {}\n');
      if (doc.errors.length) throw usageError(`${file}: YAML syntax error: ${doc.errors[0].message.split('\n')[0]}`);
      if (doc.hasIn(['functions', name])) throw usageError(`${file} already has a function named ${name}`);
      const functions = doc.get('functions');
      if (!functions || (functions as { items?: unknown[] }).items?.length === 0) doc.set('functions', doc.createNode({}));
      doc.setIn(['functions', name], doc.createNode({ lang: o.lang, handler, image }));
      copyTree(join(template.dir, template.handlerFolder), resolve(handler));
      writeFileSync(file, doc.toString());
      ctx.out.note(`Folder: ${handler} created.\nFunction ${name} added to ${file}.`);
      if (template.welcomeMessage) ctx.out.note(template.welcomeMessage.trimEnd());
      ctx.out.note(
        `\nNext: skiff up${file === 'stack.yml' || file === 'stack.yaml' ? '' : ` -f ${file}`} && echo hi | skiff invoke ${name}`,
      );
    });

  program
    .command('template')
    .description('function templates')
    .command('list')
    .alias('ls')
    .description('list the templates (./template/<lang> of the project, then the built-in ones)')
    .action((_o, cmd: Command) => printTemplates(new CommandContext(cmd).out));
}
