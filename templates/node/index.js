'use strict';
// Classic Node template: reads the request body from stdin, calls the handler once, prints the
// result (objects as JSON) and exits; an error exits 1 (the watchdog answers 500).
const handler = require('./function/handler');

function print(result) {
  if (result === undefined || result === null) return;
  process.stdout.write(typeof result === 'object' && !Buffer.isBuffer(result) ? JSON.stringify(result) : String(result));
}

function fail(err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}

const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  let answered = false;
  const callback = (err, result) => {
    if (answered) return;
    answered = true;
    if (err) return fail(err);
    print(result);
  };
  try {
    const value = handler(Buffer.concat(chunks).toString('utf8'), callback);
    if (value && typeof value.then === 'function') value.then((r) => r !== undefined && callback(undefined, r), callback);
    else if (value !== undefined) callback(undefined, value);
  } catch (err) {
    callback(err);
  }
});
