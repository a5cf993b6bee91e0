'use strict';

/**
 * event: { body, headers, method, query, path }
 * context: status(code), headers(obj), succeed(value), fail(err)
 */
module.exports = async (event, context) => {
  const result = { status: 'Received input: ' + JSON.stringify(event.body) };
  return context.status(200).succeed(result);
};
