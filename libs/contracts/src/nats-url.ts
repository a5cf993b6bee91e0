/** Server list and credentials of a NATS URL list, as the `nats` client's connect options want them. */
export interface NatsServers {
  /** Server URLs without credentials. */
  servers: string[];
  /** User, when a URL carries `user:password@`. */
  user?: string;
  /** Password, when a URL carries `user:password@`. */
  pass?: string;
  /** Token, when a URL carries only `token@`. */
  token?: string;
}

/**
 * Splits `nats://user:pass@host:4222,nats://host2:4222` into servers and credentials: the `nats`
 * client ignores credentials inside server URLs, so they must travel as options. The first URL
 * with credentials wins. Dependency-free (the watchdog uses it).
 */
export function natsServers(urls: string): NatsServers {
  const out: NatsServers = { servers: [] };
  for (const raw of urls
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean)) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      out.servers.push(raw);
      continue;
    }
    if (url.username && out.user === undefined && out.token === undefined) {
      if (url.password) {
        out.user = decodeURIComponent(url.username);
        out.pass = decodeURIComponent(url.password);
      } else out.token = decodeURIComponent(url.username);
    }
    url.username = '';
    url.password = '';
    out.servers.push(url.toString().replace(/\/$/, ''));
  }
  return out;
}
