import { DiscardPolicy, NatsConnection, RetentionPolicy, StorageType, nanos } from 'nats';
import { jetStreamLimits } from '@skiff/config';
import { METRICS_POINTS_PER_SERIES, METRICS_STEPS, SubjectRegistry } from '@skiff/contracts';
import { ensureStream } from './stream-limits';

/** The longest a point is kept: the longest step's retention, and one step more. */
const METRICS_MAX_AGE_MS = Math.max(...Object.values(METRICS_STEPS).map((s) => s.keepMs + s.stepMs));

/**
 * Creates (when missing) the metrics history stream `<P>_METRICS` (`<prefix>.metrics.>`, file storage,
 * limits retention, 1440 points per series and step, 24 h max age, SKIFF_METRICS_MAX_BYTES), or brings an
 * existing one to those limits. Unlike the other stores it discards the *oldest* points when full, as
 * the log stream does: it is a history, whose newest point is the one worth keeping. The scaler writes
 * it, the gateway reads it.
 */
export async function ensureMetricsStream(
  nc: NatsConnection,
  subjects: SubjectRegistry,
  maxBytes = jetStreamLimits().metricsBytes,
): Promise<void> {
  await ensureStream(await nc.jetstreamManager(), {
    name: subjects.metricsStream,
    subjects: [subjects.metricsAll],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(METRICS_MAX_AGE_MS),
    max_msgs_per_subject: METRICS_POINTS_PER_SERIES,
    max_bytes: maxBytes,
    discard: DiscardPolicy.Old,
    allow_direct: true,
  });
}
