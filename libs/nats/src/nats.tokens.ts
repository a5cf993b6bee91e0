/** Injection token of the raw `nats` connection of a service. */
export const NATS_CONNECTION = 'NATS_CONNECTION';

/** Injection token of Nest's NATS ClientProxy, used by the Bus for request/reply. */
export const NATS_RPC_CLIENT = 'NATS_RPC_CLIENT';

/** Injection token of the options a service passed to NatsModule.forRoot. */
export const NATS_MODULE_OPTIONS = 'NATS_MODULE_OPTIONS';
