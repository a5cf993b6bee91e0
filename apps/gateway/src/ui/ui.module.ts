import { Logger, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import fastifyStatic, { SetHeadersResponse } from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { UI_HEADERS, UI_PREFIX, UPLOT_FILES, UPLOT_PREFIX, defaultUiDir, uplotDistDir } from './ui-assets';

function setUiHeaders(res: SetHeadersResponse): void {
  for (const [name, value] of Object.entries(UI_HEADERS)) res.setHeader(name, value);
}

/**
 * The web portal at `/ui/`: the static app in `apps/ui` plus uPlot from node_modules, served by
 * @fastify/static (content types, ETag/304, ranges, path-traversal checks). Registered on the root
 * Fastify instance after the global basic-auth hook (installed before init), so every `/ui/*`
 * request, files and misses alike, needs the admin credentials. `/ui` redirects to `/ui/`.
 */
@Module({})
export class UiModule implements OnModuleInit {
  private readonly logger = new Logger('Portal');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const root = defaultUiDir();
    if (!root) {
      this.logger.warn('portal files (apps/ui) not found: /ui/ answers 404');
      return;
    }
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const common = { cacheControl: false, dotfiles: 'deny' as const, setHeaders: setUiHeaders };
    void fastify.register(fastifyStatic, { ...common, root, prefix: UI_PREFIX, index: 'index.html', redirect: true, decorateReply: false });
    void fastify.register(fastifyStatic, {
      ...common,
      root: uplotDistDir(),
      prefix: UPLOT_PREFIX,
      index: false,
      decorateReply: false,
      allowedPath: (path) => UPLOT_FILES.includes(path),
    });
  }
}
