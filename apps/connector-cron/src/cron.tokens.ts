/** The AsyncQueue connector-cron submits its calls to. */
export const CRON_ASYNC_QUEUE = 'CRON_ASYNC_QUEUE';
