import Docker from 'dockerode';

/** A Docker Engine API client for SKIFF_DOCKER_HOST (`unix:///path` or `tcp://host:port`). */
export function dockerClient(host: string): Docker {
  if (host.startsWith('unix://')) return new Docker({ socketPath: host.slice('unix://'.length) });
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return new Docker({ host: url.hostname, port: Number(url.port), protocol: 'http' });
}
