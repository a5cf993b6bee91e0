/** Registry cache of connector-cron. */
export const CRON_REGISTRY = 'CRON_REGISTRY';
/** Async submitter of connector-cron. */
export const CRON_SUBMITTER = 'CRON_SUBMITTER';
