import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsNumber, IsObject, IsOptional, IsString, Min, ValidateNested } from 'class-validator';
import type { LatencyHistogram } from '../metrics/latency-histogram';
import { FunctionRef } from './function-ref';

/** One function's calls during one interval, as one gateway or queue-worker saw them. */
export class InvocationStat extends FunctionRef {
  /** Completed calls by HTTP status (`{"200": 12, "500": 1}`). */
  @IsObject()
  codes!: Record<string, number>;

  /** Calls in flight at the end of the interval. */
  @IsInt()
  @Min(0)
  inflight!: number;

  /** Sum of the completed calls' durations, in seconds. */
  @IsNumber()
  @Min(0)
  durationSeconds!: number;

  /** The completed calls' durations as a histogram (see latency-histogram.ts); absent from older senders. */
  @IsOptional()
  @IsObject()
  latency?: LatencyHistogram;
}

/** Payload of `evt.invocations`: what one process saw in the last interval (about a second). */
export class InvocationStatsEvent {
  /** Who measured: `<service>:<instance>`. */
  @IsString()
  source!: string;

  /** Length of the interval, in milliseconds. */
  @IsInt()
  @Min(1)
  intervalMs!: number;

  /** Whether the calls were sync (gateway) or async (queue-worker). */
  @IsString()
  kind!: 'sync' | 'async';

  /** One entry per function that had calls (or calls in flight). */
  @IsArray()
  @ArrayMaxSize(100_000)
  @ValidateNested({ each: true })
  @Type(() => InvocationStat)
  functions!: InvocationStat[];
}

/** Value of one key in the invocation counters bucket (kept by the scaler). */
export interface InvocationCounter {
  /** Completed calls since the function was first called. */
  total: number;
  /** Completed calls by HTTP status. */
  codes: Record<string, number>;
}
