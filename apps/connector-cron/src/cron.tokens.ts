/** Registry cache of connector-cron. */
export const CRON_REGISTRY = 'CRON_REGISTRY';
/** The AsyncQueue connector-cron submits its calls to. */
export const CRON_ASYNC_QUEUE = 'CRON_ASYNC_QUEUE';
