import { IsBoolean, IsInt, IsNumber, Max, Min } from 'class-validator';
import { EnvBool, HttpServiceEnv, loadEnv } from '@skiff/config';

/** Environment of the scaler. */
export class ScalerEnv extends HttpServiceEnv {
  /** Port of the HTTP listener (`/healthz` and `/metrics`; the API is on NATS). */
  @IsInt({ message: 'SKIFF_SCALER_PORT must be a whole number' })
  @Min(0)
  @Max(65_535)
  SKIFF_SCALER_PORT = 8082;

  /** Run the built-in autoscaler (turn off when Prometheus alerts drive scaling). */
  @EnvBool()
  @IsBoolean({ message: 'SKIFF_SCALER_AUTOSCALE must be true or false' })
  SKIFF_SCALER_AUTOSCALE = true;

  /** How often the autoscaler and the idle check look at every function. */
  @IsInt({ message: 'SKIFF_SCALER_INTERVAL_MS must be a whole number of milliseconds' })
  @Min(100)
  @Max(600_000)
  SKIFF_SCALER_INTERVAL_MS = 2_000;

  /** Default rule: requests per second (2xx, per function) above which load counts as high. */
  @IsNumber({}, { message: 'SKIFF_SCALER_RPS_THRESHOLD must be a number' })
  @Min(0)
  SKIFF_SCALER_RPS_THRESHOLD = 5;

  /** Window the request rate is averaged over (Prometheus `rate(...[10s])`). */
  @IsInt({ message: 'SKIFF_SCALER_RATE_WINDOW_MS must be a whole number of milliseconds' })
  @Min(1_000)
  @Max(600_000)
  SKIFF_SCALER_RATE_WINDOW_MS = 10_000;

  /** Default rule: how long load must stay high before the first step up (the alert's `for`). */
  @IsInt({ message: 'SKIFF_SCALER_SUSTAIN_MS must be a whole number of milliseconds' })
  @Min(0)
  @Max(3_600_000)
  SKIFF_SCALER_SUSTAIN_MS = 5_000;

  /** Default rule: time between further steps while load stays high. */
  @IsInt({ message: 'SKIFF_SCALER_STEP_INTERVAL_MS must be a whole number of milliseconds' })
  @Min(0)
  @Max(3_600_000)
  SKIFF_SCALER_STEP_INTERVAL_MS = 10_000;

  /** Default rule: how long load must stay low before going back to min (the alert resolving). */
  @IsInt({ message: 'SKIFF_SCALER_COOLDOWN_MS must be a whole number of milliseconds' })
  @Min(0)
  @Max(3_600_000)
  SKIFF_SCALER_COOLDOWN_MS = 10_000;

  /** Target rules: scale-down stabilisation window when the function sets no `com.openfaas.scale.down.window`. */
  @IsInt({ message: 'SKIFF_SCALER_DOWN_WINDOW_MS must be a whole number of milliseconds' })
  @Min(0)
  @Max(3_600_000)
  SKIFF_SCALER_DOWN_WINDOW_MS = 30_000;

  /** How often cumulative invocation counts are written to the counters bucket. */
  @IsInt({ message: 'SKIFF_SCALER_COUNTERS_FLUSH_MS must be a whole number of milliseconds' })
  @Min(100)
  @Max(60_000)
  SKIFF_SCALER_COUNTERS_FLUSH_MS = 1_000;
}

/** Validated scaler environment (throws EnvError naming every bad variable). */
export function scalerEnv(env: NodeJS.ProcessEnv): ScalerEnv {
  return loadEnv(ScalerEnv, env);
}

/** Injection token of the ScalerEnv. */
export const SCALER_ENV = 'SCALER_ENV';
