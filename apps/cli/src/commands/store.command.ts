import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { CliError, EXIT, usageError } from '../cli-error';
import { CommandContext } from '../context';
import { GatewayClient } from '../gateway/gateway.client';
import { builtinStoreDir } from '../paths';
import { deployFunction } from '../deploy/deployer';
import { buildFunctions, DeployFlags, pushBundle } from '../deploy/pipeline';
import { keyValues } from '../deploy/key-values';
import { Stack, StackFunction } from '../stack/stack.types';
import { Output } from '../ui/output';
import { addDeployOptions, deployOptions } from './deploy-options';

/** One function of the store (OpenFaaS store v2), plus skiff's optional build recipe. */
export interface StoreFunction {
  title: string;
  name: string;
  description: string;
  author?: string;
  icon?: string;
  images: Record<string, string>;
  fprocess?: string;
  repo_url?: string;
  readOnlyRootFilesystem?: boolean;
  environment?: Record<string, string>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Skiff extension: the image is a bundle built from this template and handler (relative to the store file). */
  skiff?: { lang: string; handler: string };
}

/** A loaded store and where its relative handler paths point. */
interface LoadedStore {
  functions: StoreFunction[];
  /** Folder of a local store file (for `skiff.handler`); undefined for remote stores. */
  dir?: string;
  /** Where it came from. */
  source: string;
}

/** x86_64, arm64 or armhf for this machine (the store's image keys). */
export function storePlatform(): string {
  return process.arch === 'arm64' ? 'arm64' : process.arch === 'arm' ? 'armhf' : 'x86_64';
}

function parseStore(text: string, source: string): StoreFunction[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CliError(`store ${source} is not JSON: ${(err as Error).message}`, EXIT.usage);
  }
  const list = Array.isArray(doc) ? doc : (doc as { functions?: unknown })?.functions;
  if (!Array.isArray(list))
    throw new CliError(`store ${source} has no functions list (store v2: {"version", "functions": [...]})`, EXIT.usage);
  // Store v1 items have a single `image`.
  return (list as Array<StoreFunction & { image?: string }>).map((f) => ({
    ...f,
    images: f.images ?? (f.image ? { x86_64: f.image } : {}),
  }));
}

/** `--url` (file or http URL), else the gateway's /system/store, else the built-in store/functions.json. */
async function loadStore(url: string | undefined, client: GatewayClient, out: Output): Promise<LoadedStore> {
  const builtin = join(builtinStoreDir(), 'functions.json');
  if (url && /^https?:\/\//.test(url)) {
    const res = await fetch(url).catch((err: Error) => {
      throw new CliError(`cannot fetch the store ${url}: ${err.message}`, EXIT.unreachable);
    });
    if (!res.ok) throw new CliError(`cannot fetch the store ${url}: HTTP ${res.status}`, EXIT.failed);
    return { functions: parseStore(await res.text(), url), source: url };
  }
  if (url) {
    const file = resolve(url);
    if (!existsSync(file)) throw usageError(`store file ${url} does not exist`);
    return { functions: parseStore(readFileSync(file, 'utf8'), file), dir: dirname(file), source: file };
  }
  try {
    const reply = await client.call('GET', '/system/store');
    return {
      functions: parseStore(reply.text, `${client.url}/system/store`),
      dir: builtinStoreDir(),
      source: `${client.url}/system/store`,
    };
  } catch (err) {
    if (!existsSync(builtin)) throw err;
    out.note(`(store from ${builtin}: ${(err as Error).message})`);
    return { functions: parseStore(readFileSync(builtin, 'utf8'), builtin), dir: builtinStoreDir(), source: builtin };
  }
}

function find(store: LoadedStore, name: string): StoreFunction {
  const fn = store.functions.find((f) => f.name === name) ?? store.functions.find((f) => f.title.toLowerCase() === name.toLowerCase());
  if (!fn) throw new CliError(`no function ${name} in the store ${store.source}`, EXIT.notFound, 'see them with skiff store list');
  return fn;
}

/** Builds and pushes a store function's bundle when the gateway does not have it yet. */
async function ensureStoreBundle(
  client: GatewayClient,
  store: LoadedStore,
  item: StoreFunction,
  image: string,
  out: Output,
): Promise<void> {
  if (!item.skiff) return;
  const current = await client.call('GET', `/system/bundles/${encodeURI(image)}`, { accept: [404] });
  if (current.status === 200) return;
  if (!store.dir)
    throw new CliError(
      `bundle ${image} of ${item.name} is not on the gateway and the store is remote`,
      EXIT.failed,
      'deploy it from a local store: skiff store deploy --url ./store/functions.json',
    );
  const handler = resolve(store.dir, item.skiff.handler);
  const buildDir = join(process.env.HOME || homedir(), '.skiff', 'store-builds');
  const fn: StackFunction = {
    name: item.name,
    lang: item.skiff.lang,
    handler,
    image,
    environment: {},
    environment_file: [],
    secrets: [],
    labels: {},
    annotations: {},
    constraints: [],
    build_args: {},
    readonly_root_filesystem: false,
    skip_build: false,
    lines: { _: 0 },
  };
  const stack: Stack = { file: store.source, dir: buildDir, functions: [fn], copy: [], templates: [] };
  const [bundle] = await buildFunctions(stack, [fn], out, {});
  await pushBundle(client, bundle, out);
}

/** `skiff store list|describe|deploy`. */
export function registerStore(program: Command): void {
  const store = program.command('store').description('the function store (OpenFaaS store v2 format)');
  const urlOption = (cmd: Command) =>
    cmd
      .option('-u, --url <url>', 'store file or URL (default: the gateway’s /system/store)')
      .option('-p, --platform <platform>', 'x86_64, arm64 or armhf', storePlatform());

  urlOption(store.command('list').alias('ls').description('list the store functions')).action(async (_o, cmd: Command) => {
    const ctx = new CommandContext<{ url?: string; platform: string }>(cmd);
    const loaded = await loadStore(ctx.opts.url, await ctx.gateway(), ctx.out);
    const functions = loaded.functions.filter((f) => f.images[ctx.opts.platform]);
    if (ctx.out.json) return ctx.out.data(functions);
    ctx.out.table(
      ['Function', 'Author', 'Description'],
      functions.map((f) => [f.name, f.author ?? '', f.description.length > 60 ? `${f.description.slice(0, 57)}...` : f.description]),
    );
  });

  urlOption(store.command('describe').alias('inspect').argument('<name>', 'store function').description('show one store function')).action(
    async (name: string, _o, cmd: Command) => {
      const ctx = new CommandContext<{ url?: string; platform: string }>(cmd);
      const item = find(await loadStore(ctx.opts.url, await ctx.gateway(), ctx.out), name);
      if (ctx.out.json) return ctx.out.data(item);
      const kv = (m?: Record<string, string>) =>
        m && Object.keys(m).length
          ? Object.entries(m)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')
          : '<none>';
      ctx.out.fields([
        ['Title', item.title],
        ['Name', item.name],
        ['Description', item.description],
        ['Author', item.author ?? ''],
        ['Image', item.images[ctx.opts.platform] ?? `<none for ${ctx.opts.platform}>`],
        ['Process', item.fprocess ?? '<default>'],
        ['Built from', item.skiff ? `${item.skiff.handler} (${item.skiff.lang})` : '<prebuilt>'],
        ['Repo URL', item.repo_url ?? ''],
        ['Environment', kv(item.environment)],
        ['Labels', kv(item.labels)],
        ['Annotations', kv(item.annotations)],
      ]);
    },
  );

  addDeployOptions(
    urlOption(
      store
        .command('deploy')
        .argument('<names...>', 'store functions')
        .description('deploy store functions (their bundles are built and pushed when the gateway lacks them)'),
    ).option('--name <name>', 'deploy under another name (one function only)'),
  ).action(async (names: string[], _o, cmd: Command) => {
    const ctx = new CommandContext<
      DeployFlags & { url?: string; platform: string; name?: string; replace?: boolean; update?: boolean; wait?: boolean; timeout?: string }
    >(cmd);
    const o = ctx.opts;
    if (o.name && names.length > 1) throw usageError('--name works with one store function at a time');
    const client = await ctx.gateway();
    const loaded = await loadStore(o.url, client, ctx.out);
    const items = names.map((n) => find(loaded, n));
    const options = deployOptions(o);
    for (const item of items) {
      const image = item.images[o.platform];
      if (!image) throw new CliError(`${item.name} has no image for ${o.platform}`, EXIT.failed);
      await ensureStoreBundle(client, loaded, item, image, ctx.out);
      const url = await deployFunction(
        client,
        {
          service: o.name ?? item.name,
          image,
          namespace: o.namespace,
          envProcess: o.fprocess ?? item.fprocess,
          envVars: { ...(item.environment ?? {}), ...keyValues(o.env, '--env') },
          labels: { ...(item.labels ?? {}), ...keyValues(o.label, '--label') },
          annotations: { ...(item.annotations ?? {}), ...keyValues(o.annotation, '--annotation') },
          secrets: o.secret,
          constraints: o.constraint,
          readOnlyRootFilesystem: o.readonly || item.readOnlyRootFilesystem || undefined,
          limits: { memory: o.memoryLimit, cpu: o.cpuLimit },
          requests: { memory: o.memoryRequest, cpu: o.cpuRequest },
        },
        options,
        ctx.out,
      );
      ctx.out.line(url);
    }
  });
}
