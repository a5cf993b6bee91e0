import { NatsConnection } from 'nats';

/** Room left in a NATS message for the invocation's headers. */
export const HEADER_ROOM_BYTES = 64 * 1024;

/** NATS's default max_payload, assumed when the server did not say. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/** The body limit the gateway enforces on every route. */
export class BodyLimit {
  constructor(
    /** Largest accepted body, in bytes. */
    readonly bytes: number,
  ) {}

  /** The reason given with a 413. */
  get message(): string {
    return `request body is larger than the limit of ${this.bytes} bytes`;
  }

  /** min(configured, server max_payload − header room): a body must fit in one NATS message for now. */
  static fromConnection(configured: number, nc: Pick<NatsConnection, 'info'>): BodyLimit {
    const maxPayload = nc.info?.max_payload || DEFAULT_MAX_PAYLOAD;
    const natsLimit = maxPayload - Math.min(HEADER_ROOM_BYTES, Math.floor(maxPayload / 2));
    return new BodyLimit(Math.min(configured, natsLimit));
  }
}
