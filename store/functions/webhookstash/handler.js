'use strict';
// Keeps the last payloads it received (in the replica's memory) and returns them:
// POST/PUT stores the body with its time and headers; GET lists them, newest first;
// DELETE forgets them. STASH_SIZE sets how many are kept (default 20).
const stash = [];
const size = Math.max(1, Number(process.env.STASH_SIZE) || 20);

module.exports = async (event, context) => {
  if (event.method === 'GET') return context.status(200).succeed(stash);
  if (event.method === 'DELETE') {
    stash.length = 0;
    return context.status(200).succeed({ cleared: true });
  }
  const body = Buffer.isBuffer(event.body) ? event.body.toString('base64') : event.body;
  stash.unshift({ received: new Date().toISOString(), contentType: event.headers['content-type'] ?? '', body });
  stash.length = Math.min(stash.length, size);
  return context.status(202).succeed({ stored: true, kept: stash.length });
};
