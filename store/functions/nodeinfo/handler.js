'use strict';
// Host and runtime information of the replica that answered (OpenFaaS's nodeinfo demo).
const os = require('node:os');

module.exports = async (event, context) => {
  const info = {
    hostname: os.hostname(),
    platform: os.platform(),
    arch: os.arch(),
    cpus: os.cpus().length,
    memory: { total: os.totalmem(), free: os.freemem() },
    uptime: Math.round(os.uptime()),
    node: process.version,
    pid: process.pid,
  };
  const verbose = String(event.body ?? '').trim() === 'verbose' || event.query.verbose === 'true';
  if (verbose) info.network = os.networkInterfaces();
  return context.status(200).succeed(info);
};
