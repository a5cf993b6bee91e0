import { CronExpressionParser } from 'cron-parser';
import { ERROR_CODES, SkiffError } from '../errors';

/** Function annotations that subscribe a function to triggers. */
export const TRIGGER_ANNOTATIONS = {
  /** Topics the function subscribes to: one, or several separated by commas. */
  topic: 'topic',
  /** Cron expression of a `cron-function` (5 fields, or 6 with seconds first). */
  schedule: 'schedule',
  /** IANA time zone the schedule is read in (default UTC). */
  timezone: 'com.skiff.schedule.timezone',
  /** One topic each successful async result of the function is published to (function chaining). */
  reply: 'com.skiff.topic.reply',
} as const;

/**
 * Most reply hops one chain may take: a result of a call that is itself the `MAX_TOPIC_REPLY_HOPS`-th
 * reply in a row is not published, so a loop (A replying to its own topic) stops.
 */
export const MAX_TOPIC_REPLY_HOPS = 10;

/** The topic that marks a function as scheduled by connector-cron (OpenFaaS convention). */
export const CRON_TOPIC = 'cron-function';

/** HTTP headers a triggered invocation carries. */
export const TRIGGER_HEADERS = {
  /** The topic the message was published on (`cron-function` for cron). */
  topic: 'X-Topic',
  /** What produced the message: `cron`, `webhook`, `gateway`, `reply` (a function's result), or `nats` for a plain NATS publish. */
  connector: 'X-Connector',
  /** Cron: the tick's scheduled time (ISO 8601, UTC). */
  scheduledTime: 'X-Scheduled-Time',
  /** Topic messages: the id of the topic message (its `Nats-Msg-Id`, or stream sequence). */
  messageId: 'X-Message-Id',
  /** Replies: how many replies in a row led to this message (1 for the result of a call that was not itself triggered by a reply). */
  replyHops: 'X-Topic-Hops',
  /** Replies: the call whose result this is (the chained function's own `X-Call-Id` is its call). */
  sourceCallId: 'X-Source-Call-Id',
  /** Replies: the topic that triggered the call whose result this is (absent when it was not a topic call). */
  sourceTopic: 'X-Source-Topic',
} as const;

/**
 * Topics nothing outside the platform may publish to (webhooks 403, `POST /system/topics` 403, and the
 * topic router never fans them out, so a plain NATS publish runs nothing): `cron-function`, which only
 * connector-cron fires, and every topic under `skiff.`, kept for the platform's own use.
 */
export function isReservedTopic(topic: string): boolean {
  return topic === CRON_TOPIC || topic.startsWith('skiff.');
}

/**
 * Headers only the platform sets on the calls it makes (triggered calls, replies, callbacks; see the
 * README's "Headers a triggered call carries"): a webhook drops them from the outside request, so a
 * function can believe them.
 */
const PLATFORM_HEADERS: ReadonlySet<string> = new Set([
  'x-topic',
  'x-connector',
  'x-message-id',
  'x-scheduled-time',
  'x-call-id',
  'x-topic-hops',
  'x-callback-url',
  'x-start-time',
  'x-duration-seconds',
  'x-retry',
  'x-retry-max',
  'x-openfaas-internal',
]);
const PLATFORM_HEADER_PREFIXES = ['x-source-', 'x-function-', 'x-skiff-'];

/** True for a header (lower-case name) that only the platform may set on a call. */
export function isPlatformHeader(lowerName: string): boolean {
  return PLATFORM_HEADERS.has(lowerName) || PLATFORM_HEADER_PREFIXES.some((p) => lowerName.startsWith(p));
}

/** Topic names: subject tokens of letters, digits, `-` and `_`, joined by dots. */
export const TOPIC_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** Longest topic accepted. */
export const MAX_TOPIC_LENGTH = 200;

/** Why `topic` cannot be a topic name, or undefined when it can. */
export function topicProblem(topic: string): string | undefined {
  if (!topic) return 'topic is empty';
  if (topic.length > MAX_TOPIC_LENGTH) return `topic "${topic.slice(0, 40)}…" is longer than ${MAX_TOPIC_LENGTH} characters`;
  if (!TOPIC_PATTERN.test(topic)) return `topic "${topic}" must be letters, digits, "-" and "_", optionally in dot-separated parts`;
  return undefined;
}

/** Topics of a `topic` annotation value: comma-separated, trimmed, empty entries ignored, unique. */
export function splitTopics(value: string | undefined): string[] {
  if (!value) return [];
  return [
    ...new Set(
      value
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t.length > 0),
    ),
  ];
}

/** A function's cron schedule. */
export interface CronSchedule {
  /** The cron expression as annotated. */
  pattern: string;
  /** IANA time zone (undefined = UTC). */
  timezone?: string;
}

/** Cron fields in order (6 fields: seconds first) and how many values each holds. */
const CRON_FIELDS = [
  { name: 'second', size: 60 },
  { name: 'minute', size: 60 },
  { name: 'hour', size: 24 },
  { name: 'day-of-month', size: 31 },
  { name: 'month', size: 12 },
  { name: 'day-of-week', size: 7 },
] as const;

/**
 * Why `pattern` is not a usable cron expression (5 or 6 fields), or undefined. cron-parser checks
 * values and ranges (`61`, `0-70`); it lets any step through (every 61 minutes would quietly mean "at minute 0"), and its
 * strict mode only adds a seconds field requirement, so steps are checked here: 1 up to the number
 * of values in the field (every 60 minutes is accepted: hourly).
 */
export function cronProblem(pattern: string, timezone?: string): string | undefined {
  const fields = pattern.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== 5 && fields.length !== 6) {
    return `schedule "${pattern}" must have 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), not ${fields.length}`;
  }
  if (timezone !== undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    } catch {
      return `${TRIGGER_ANNOTATIONS.timezone} "${timezone}" is not an IANA time zone`;
    }
  }
  const named = CRON_FIELDS.slice(6 - fields.length);
  for (let i = 0; i < fields.length; i++) {
    for (const part of fields[i].split(',')) {
      const step = /\/(.*)$/.exec(part)?.[1];
      if (step === undefined) continue;
      if (!/^\d+$/.test(step) || Number(step) < 1 || Number(step) > named[i].size) {
        return `schedule "${pattern}" is not a valid cron expression: ${named[i].name} step "/${step}" must be a whole number from 1 to ${named[i].size}`;
      }
    }
  }
  try {
    CronExpressionParser.parse(fields.join(' '), { tz: timezone, strict: false }).next();
  } catch (err) {
    return `schedule "${pattern}" is not a valid cron expression: ${(err as Error).message}`;
  }
  return undefined;
}

/**
 * Checks a deployment's trigger annotations (the one place they are validated; the gateway calls it at
 * deploy and update). Returns the cron schedule of a `cron-function`, undefined otherwise.
 * Throws a 400 SkiffError naming every problem.
 */
export function parseTriggerAnnotations(annotations: Record<string, string> | null | undefined): CronSchedule | undefined {
  const a = annotations ?? {};
  const problems: string[] = [];
  const topics = splitTopics(a[TRIGGER_ANNOTATIONS.topic]);
  for (const t of topics) {
    const p = topicProblem(t);
    if (p) problems.push(`annotation ${TRIGGER_ANNOTATIONS.topic}: ${p}`);
  }
  const reply = a[TRIGGER_ANNOTATIONS.reply];
  if (reply !== undefined) {
    const p = topicProblem(reply.trim());
    if (p) problems.push(`annotation ${TRIGGER_ANNOTATIONS.reply}: ${p} (one topic)`);
  }
  let schedule: CronSchedule | undefined;
  if (topics.includes(CRON_TOPIC)) {
    const pattern = a[TRIGGER_ANNOTATIONS.schedule];
    const timezone = a[TRIGGER_ANNOTATIONS.timezone] || undefined;
    if (!pattern || !pattern.trim()) {
      problems.push(`annotation ${TRIGGER_ANNOTATIONS.schedule} is required with ${TRIGGER_ANNOTATIONS.topic}: ${CRON_TOPIC}`);
    } else {
      const p = cronProblem(pattern, timezone);
      if (p) problems.push(`annotation ${TRIGGER_ANNOTATIONS.schedule}: ${p}`);
      else schedule = { pattern: pattern.trim().split(/\s+/).join(' '), timezone };
    }
  }
  if (problems.length) throw new SkiffError(ERROR_CODES.invalidRequest, problems.join('; '));
  return schedule;
}

/** The reply topic of a registered function, or undefined when it has none or it is not a usable topic. */
export function replyTopicOf(annotations: Record<string, string> | null | undefined): string | undefined {
  const reply = annotations?.[TRIGGER_ANNOTATIONS.reply]?.trim();
  return reply && !topicProblem(reply) ? reply : undefined;
}

/** The cron schedule of a registered function, or undefined when it has none or it is unusable. */
export function cronScheduleOf(annotations: Record<string, string> | null | undefined): CronSchedule | undefined {
  try {
    return parseTriggerAnnotations(annotations);
  } catch {
    return undefined;
  }
}
