import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, ValidateNested } from 'class-validator';
import { IsStringMap } from '../validation';

/** One alert of an AlertManager webhook; only the fields the scaler reads are checked. */
export class AlertManagerAlert {
  /** `firing` or `resolved`. */
  @IsIn(['firing', 'resolved'], { message: 'status: must be "firing" or "resolved"' })
  status!: 'firing' | 'resolved';

  /** Alert labels; `function_name` names the function (`name[.namespace]`). */
  @IsStringMap()
  labels!: Record<string, string>;

  /** Alert annotations. */
  @IsOptional()
  @IsStringMap()
  annotations?: Record<string, string>;

  /** When the alert started firing. */
  @IsOptional()
  @IsString()
  startsAt?: string;

  /** When it resolved. */
  @IsOptional()
  @IsString()
  endsAt?: string;
}

/** AlertManager webhook body as `POST /system/alert` receives it; also the payload of `evt.alert`. */
export class AlertManagerPayload {
  /** Receiver name. */
  @IsOptional()
  @IsString()
  receiver?: string;

  /** Group status. */
  @IsOptional()
  @IsString()
  status?: string;

  /** The alerts. */
  @IsArray({ message: 'alerts: must be a list' })
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => AlertManagerAlert)
  alerts!: AlertManagerAlert[];

  /** Namespace for `function_name` values that name none (the gateway's default). */
  @IsOptional()
  @IsString()
  defaultNamespace?: string;
}
