/**
 * The only module that reads the environment. Every setting, its default and its check live here;
 * docs/SETTINGS.md lists the same names. Invalid settings fail the start with one message naming each.
 */
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Cron } from 'croner';
import { z } from 'zod';
import { SIGNAL_DEFAULTS, type SignalSettings } from './enrich/signals.js';
import { PROJECT_ROOT } from './runtime/paths.js';
import { COALESCING_DEFAULTS } from './writer/coalesce.js';

const csv = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    );

/** A comma-separated list of URLs (kept as written: URLs are case-sensitive). */
const urls = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url()).min(1, 'name at least one URL'));

/**
 * A timer's six-field NCRONTAB schedule (seconds first, UTC), that croner (which runs it under `npm start`,
 * src/local/timers.ts) reads and that fires at all: a bad one fails the start here, not only its function.
 */
function schedule(fallback: string) {
  const fires = (value: string) => {
    try {
      return new Cron(value, { paused: true }).nextRun() != null;
    } catch {
      return false;
    }
  };
  return z
    .string()
    .regex(/^\S+( \S+){5}$/, 'must be a six-field NCRONTAB expression (seconds first)')
    .refine(fires, 'is not a schedule that fires (six-field NCRONTAB, seconds first, e.g. 0 */1 * * * *)')
    .default(fallback);
}

const int = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], 'must be true or false')
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

/** Header names (lower case) that may carry the client address, plus the pseudo-source `socket`. */
export const clientIpSources = [
  'client-ip',
  'x-forwarded-for',
  'x-azure-clientip',
  'x-azure-socketip',
  'cf-connecting-ip',
  'true-client-ip',
  'x-real-ip',
  'socket',
] as const;

/** Cloud providers whose published datacenter ranges are downloaded (src/enrich/ranges). */
export const rangeProviders = [
  'aws',
  'gcp',
  'azure',
  'oracle',
  'digitalocean',
  'linode',
  'cloudflare',
] as const;

/** A storage connection string, or an endpoint reached with a managed identity. */
export type QueueConnection = string | { serviceUri: string; clientId?: string | undefined };

function queueConnection(
  connectionString: string | undefined,
  queueServiceUri: string | undefined,
  accountName: string | undefined,
  clientId: string | undefined,
): QueueConnection | undefined {
  if (connectionString) return connectionString;
  const serviceUri = queueServiceUri ?? (accountName && `https://${accountName}.queue.core.windows.net`);
  return serviceUri ? { serviceUri, clientId } : undefined;
}

/**
 * App setting (connection name, as the Functions host reads it) of the optional second storage account:
 * the pixel sends there while the primary queue is unreachable, and `hit-writer-secondary` reads it.
 */
export const SECONDARY_QUEUE_CONNECTION = 'SECONDARY_QUEUE_STORAGE';

const envObject = z.object({
  DATABASE_ENGINE: z.enum(['postgres', 'mssql']).optional(),
  DATABASE_URL: z.string().optional(),
  SQL_CONNECTION_STRING: z.string().optional(),
  DB_POOL_MAX: int(10, 1, 200),
  // The hit-writer's group commit (src/writer/coalesce.ts): rows of concurrent messages in one bulk load.
  WRITER_MAX_ROWS_PER_WRITE: int(COALESCING_DEFAULTS.maxRowsPerWrite, 1, 100_000),
  WRITER_MAX_CONCURRENT_WRITES: int(COALESCING_DEFAULTS.maxConcurrentWrites, 1, 64),

  AzureWebJobsStorage: z.string().optional(),
  // Identity-based connection, as the Functions host reads it (no key in settings): the queue endpoint
  // and, for a user-assigned managed identity, its client id.
  AzureWebJobsStorage__queueServiceUri: z.url().optional(),
  AzureWebJobsStorage__accountName: z.string().optional(),
  AzureWebJobsStorage__clientId: z.string().optional(),
  AzureWebJobsStorage__credential: z.string().optional(),
  PIXEL_QUEUE_NAME: z
    .string()
    .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'must be a valid Storage Queue name')
    .default('pixel-hits'),
  ENQUEUE_WINDOW_MS: int(20, 0, 1000),
  ENQUEUE_MAX_HITS_PER_MESSAGE: int(400, 1, 5000),
  ENQUEUE_MAX_CONCURRENT_SENDS: int(4, 1, 256),
  ENQUEUE_RETRY_BUDGET_MS: int(1000, 100, 120_000),
  SECONDARY_QUEUE_STORAGE: z.string().optional(),
  SECONDARY_QUEUE_STORAGE__queueServiceUri: z.url().optional(),
  SECONDARY_QUEUE_STORAGE__accountName: z.string().optional(),
  SECONDARY_QUEUE_STORAGE__clientId: z.string().optional(),
  SECONDARY_QUEUE_STORAGE__credential: z.string().optional(),
  // The durable spill (src/queue/spill.ts): where messages no queue accepted are kept until re-sent.
  SPILL_DIR: z.string().default(join(tmpdir(), 'smartpixl-spill')),
  SPILL_RETRY_INTERVAL_MS: int(2000, 50, 600_000),
  // Maximum bytes of a POST body read; beyond it the hit keeps its first bytes and the answer is 413.
  MAX_BODY_BYTES: int(1_048_576, 1024, 64 * 1_048_576),

  RANGES_PROVIDERS: csv(rangeProviders.join(',')).pipe(z.array(z.enum(rangeProviders))),
  RANGES_URL_AWS: urls('https://ip-ranges.amazonaws.com/ip-ranges.json'),
  RANGES_URL_GCP: urls('https://www.gstatic.com/ipranges/cloud.json'),
  // Microsoft publishes a new dated file weekly: its download page, which links the current one (refresh.ts).
  RANGES_URL_AZURE: urls('https://www.microsoft.com/en-us/download/details.aspx?id=56519'),
  RANGES_URL_ORACLE: urls('https://docs.oracle.com/en-us/iaas/tools/public_ip_ranges.json'),
  RANGES_URL_DIGITALOCEAN: urls('https://digitalocean.com/geo/google.csv'),
  RANGES_URL_LINODE: urls('https://geoip.linode.com/'),
  RANGES_URL_CLOUDFLARE: urls('https://www.cloudflare.com/ips-v4,https://www.cloudflare.com/ips-v6'),
  /** Six-field NCRONTAB of the `datacenter-ranges` timer (default: daily at 03:30 UTC). */
  RANGES_SCHEDULE: schedule('0 30 3 * * *'),
  RANGES_TIMEOUT_MS: int(60_000, 1000, 600_000),
  RANGES_MAX_BYTES: int(32 * 1024 * 1024, 1024, 512 * 1024 * 1024),
  /** A download keeping fewer than this share of the provider's stored ranges is refused. */
  RANGES_MIN_KEEP_RATIO: z.coerce.number().min(0).max(1).default(0.5),

  CLIENT_IP_SOURCES: csv('client-ip,x-forwarded-for').pipe(
    z.array(z.enum(clientIpSources)).min(1, 'name at least one source'),
  ),
  TRUSTED_PROXY_HOPS: int(1, 1, 10),
  MAX_QUERY_STRING_BYTES: int(16_384, 256, 1_048_576),
  /** Where the collector script sends hits (`https://pixel.example.com`); unset = the host the script came from. */
  PIXEL_BASE_URL: z
    .url()
    .refine(
      (u) => /^https?:\/\//.test(u) && !/[?#]/.test(u),
      'must be an http(s) URL without query or fragment',
    )
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  /** How often the script endpoint re-reads the pixels' client params (PiXL.ConfigClientParam). */
  PIXEL_CONFIG_REFRESH_SECONDS: int(300, 5, 86_400),
  /** `Cache-Control: max-age` of the collector script (browsers and CDNs revalidate with its ETag after). */
  COLLECTOR_MAX_AGE_SECONDS: int(300, 0, 86_400),

  APPLICATIONINSIGHTS_CONNECTION_STRING: z.string().optional(),
  // Entra (managed identity) authentication of the metrics export, in the Functions host's own format.
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: z
    .string()
    .regex(/(^|;)\s*Authorization\s*=\s*AAD\s*(;|$)/i, 'must be Authorization=AAD[;ClientId=<client id>]')
    .optional(),
  // One log line per hit (pixel) and the hit ids of each message (hit-writer), to follow a hit.
  LOG_HIT_IDS: bool(false),
  // Warehouse ETL (timer `etl`): six-field NCRONTAB schedule, rows per parse batch, how long one run may
  // keep taking batches, and the batch of the match step.
  ETL_SCHEDULE: schedule('0 */1 * * * *'),
  ETL_BATCH_SIZE: int(10_000, 1, 1_000_000),
  // At most 8 minutes: host.json's functionTimeout (10) ends a longer run before its last batches commit.
  ETL_TIME_BUDGET_MS: int(50_000, 1000, 480_000),
  ETL_MATCH_BATCH_SIZE: int(1000, 1, 1_000_000),
  ETL_CLASSIFY_BATCH_SIZE: int(50_000, 1, 1_000_000),
  // Parse lanes run at once, one connection each (src/etl/lanes.ts): up to the 16 parse buckets. 1 by default
  // until two have run on a real SQL Server and under load (docs/PERFORMANCE.md "ETL parse").
  ETL_PARSE_LANES: int(1, 1, 16),
  // Rows per ETL.usp_PurgeRetention call: below SQL Server's lock escalation threshold (5,000 locks), so
  // purging old rows never locks the whole raw table against the writer.
  ETL_RETENTION_BATCH_SIZE: int(2000, 1, 4000),
  // Behaviour signals and bot flags computed by the parse (src/enrich/signals.ts, which holds their defaults).
  SIGNALS_ENABLED: bool(SIGNAL_DEFAULTS.Enrich),
  SIGNAL_SUBNET_WINDOW_SECONDS: int(SIGNAL_DEFAULTS.SubnetWindowSec, 1, 86_400),
  SIGNAL_SUBNET_ALERT_IPS: int(SIGNAL_DEFAULTS.SubnetAlertIps, 1, 1_000_000),
  SIGNAL_RAPID_WINDOW_SECONDS: int(SIGNAL_DEFAULTS.RapidWindowSec, 1, 86_400),
  SIGNAL_RAPID_FIRE_HITS: int(SIGNAL_DEFAULTS.RapidFireHits, 1, 1_000_000),
  SIGNAL_DUPE_GAP_MS: int(SIGNAL_DEFAULTS.DupeGapMs, 1, 3_600_000),
  SIGNAL_FP_WINDOW_SECONDS: int(SIGNAL_DEFAULTS.FpWindowSec, 1, 7 * 86_400),
  SIGNAL_FP_SUSPICIOUS_DISTINCT: int(SIGNAL_DEFAULTS.FpSuspiciousDistinct, 0, 1_000_000),
  SIGNAL_FP_SUSPICIOUS_HITS: int(SIGNAL_DEFAULTS.FpSuspiciousHits, 0, 1_000_000),
  SIGNAL_FP_HIGH_VOLUME_HITS: int(SIGNAL_DEFAULTS.FpHighVolumeHits, 0, 1_000_000_000),
  SIGNAL_FP_EXTREME_HITS: int(SIGNAL_DEFAULTS.FpExtremeHits, 0, 1_000_000_000),
  SIGNAL_FP_RATE_WINDOW_SECONDS: int(SIGNAL_DEFAULTS.FpRateWindowSec, 1, 86_400),
  SIGNAL_FP_HIGH_RATE_HITS: int(SIGNAL_DEFAULTS.FpHighRateHits, 0, 1_000_000_000),
  BOT_SCORE_THRESHOLD: int(SIGNAL_DEFAULTS.BotScoreThreshold, 0, 1_000_000),
  // GET /api/health: lags (rows) at which the status becomes warning / critical.
  HEALTH_PARSE_LAG_WARNING: int(50_000, 0, 1_000_000_000),
  HEALTH_PARSE_LAG_CRITICAL: int(500_000, 0, 1_000_000_000),
  HEALTH_MATCH_LAG_WARNING: int(10_000, 0, 1_000_000_000),
  HEALTH_MATCH_LAG_CRITICAL: int(100_000, 0, 1_000_000_000),
  HEALTH_QUEUE_BACKLOG_WARNING: int(1_000, 0, 1_000_000_000),
  HEALTH_QUEUE_BACKLOG_CRITICAL: int(20_000, 0, 1_000_000_000),

  /** The consumer file matching reads ([db.]schema.table); unset = the AutoConsumer the migrations create. */
  AUTOCONSUMER_TABLE: z
    .string()
    .regex(/^[A-Za-z_][\w$ -]*(\.[A-Za-z_][\w$ -]*){0,2}$/, 'must be [database.]schema.table')
    .optional(),
});

/** Every setting name the functions read (docs/SETTINGS.md must list each; a test checks). */
export const SETTING_NAMES = Object.keys(envObject.shape);

const envSchema = envObject.transform((env, ctx) => {
  const engine =
    env.DATABASE_ENGINE ?? (env.SQL_CONNECTION_STRING && !env.DATABASE_URL ? 'mssql' : 'postgres');
  const connectionString = engine === 'mssql' ? env.SQL_CONNECTION_STRING : env.DATABASE_URL;
  if (!connectionString) {
    ctx.addIssue({
      code: 'custom',
      path: [engine === 'mssql' ? 'SQL_CONNECTION_STRING' : 'DATABASE_URL'],
      message: `is required for the ${engine} engine`,
    });
  }
  // A parse pass holds one connection per lane and one for the numbering at once (src/etl/lanes.ts); with
  // fewer, the lanes beyond the pool's size only wait for a connection.
  if (env.DB_POOL_MAX < env.ETL_PARSE_LANES + 1) {
    ctx.addIssue({
      code: 'custom',
      path: ['DB_POOL_MAX'],
      message: `must be at least ETL_PARSE_LANES + 1 (${env.ETL_PARSE_LANES + 1}): each parse lane and the signals' numbering run on a connection of their own`,
    });
  }
  // The Functions host takes a user-assigned identity's client id only with credential=managedidentity (Learn,
  // "identity-based connections"): without it hit-writer-secondary could not read the queue the pixel fills.
  for (const connection of ['AzureWebJobsStorage', SECONDARY_QUEUE_CONNECTION] as const) {
    if (
      env[`${connection}__clientId`] &&
      env[`${connection}__credential`]?.toLowerCase() !== 'managedidentity'
    ) {
      ctx.addIssue({
        code: 'custom',
        path: [`${connection}__credential`],
        message: `must be managedidentity when ${connection}__clientId is set: the Functions host uses the client id only then`,
      });
    }
  }
  return {
    database: { engine, connectionString: connectionString ?? '', poolMax: env.DB_POOL_MAX },
    writer: {
      maxRowsPerWrite: env.WRITER_MAX_ROWS_PER_WRITE,
      maxConcurrentWrites: env.WRITER_MAX_CONCURRENT_WRITES,
    },
    ranges: {
      providers: env.RANGES_PROVIDERS,
      urls: {
        aws: env.RANGES_URL_AWS,
        gcp: env.RANGES_URL_GCP,
        azure: env.RANGES_URL_AZURE,
        oracle: env.RANGES_URL_ORACLE,
        digitalocean: env.RANGES_URL_DIGITALOCEAN,
        linode: env.RANGES_URL_LINODE,
        cloudflare: env.RANGES_URL_CLOUDFLARE,
      } satisfies Record<(typeof rangeProviders)[number], string[]>,
      schedule: env.RANGES_SCHEDULE,
      timeoutMs: env.RANGES_TIMEOUT_MS,
      maxBytes: env.RANGES_MAX_BYTES,
      minKeepRatio: env.RANGES_MIN_KEEP_RATIO,
    },
    queue: {
      connection:
        queueConnection(
          env.AzureWebJobsStorage,
          env.AzureWebJobsStorage__queueServiceUri,
          env.AzureWebJobsStorage__accountName,
          env.AzureWebJobsStorage__clientId,
        ) ?? 'UseDevelopmentStorage=true',
      secondaryConnection: queueConnection(
        env.SECONDARY_QUEUE_STORAGE,
        env.SECONDARY_QUEUE_STORAGE__queueServiceUri,
        env.SECONDARY_QUEUE_STORAGE__accountName,
        env.SECONDARY_QUEUE_STORAGE__clientId,
      ),
      name: env.PIXEL_QUEUE_NAME,
      windowMs: env.ENQUEUE_WINDOW_MS,
      maxHitsPerMessage: env.ENQUEUE_MAX_HITS_PER_MESSAGE,
      maxConcurrentSends: env.ENQUEUE_MAX_CONCURRENT_SENDS,
      retryBudgetMs: env.ENQUEUE_RETRY_BUDGET_MS,
      spillDir: env.SPILL_DIR,
      spillRetryIntervalMs: env.SPILL_RETRY_INTERVAL_MS,
    },
    capture: {
      clientIpSources: env.CLIENT_IP_SOURCES,
      trustedProxyHops: env.TRUSTED_PROXY_HOPS,
      maxQueryStringBytes: env.MAX_QUERY_STRING_BYTES,
      maxBodyBytes: env.MAX_BODY_BYTES,
    },
    collector: {
      pixelBaseUrl: env.PIXEL_BASE_URL,
      configRefreshMs: env.PIXEL_CONFIG_REFRESH_SECONDS * 1000,
      maxAgeSeconds: env.COLLECTOR_MAX_AGE_SECONDS,
    },
    telemetry: {
      appInsightsConnectionString: env.APPLICATIONINSIGHTS_CONNECTION_STRING,
      appInsightsAuthenticationString: env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING,
      logHitIds: env.LOG_HIT_IDS,
    },
    etl: {
      schedule: env.ETL_SCHEDULE,
      batchSize: env.ETL_BATCH_SIZE,
      timeBudgetMs: env.ETL_TIME_BUDGET_MS,
      matchBatchSize: env.ETL_MATCH_BATCH_SIZE,
      classifyBatchSize: env.ETL_CLASSIFY_BATCH_SIZE,
      retentionBatchSize: env.ETL_RETENTION_BATCH_SIZE,
      parseLanes: env.ETL_PARSE_LANES,
      signals: {
        Enrich: env.SIGNALS_ENABLED,
        SubnetWindowSec: env.SIGNAL_SUBNET_WINDOW_SECONDS,
        SubnetAlertIps: env.SIGNAL_SUBNET_ALERT_IPS,
        RapidWindowSec: env.SIGNAL_RAPID_WINDOW_SECONDS,
        RapidFireHits: env.SIGNAL_RAPID_FIRE_HITS,
        DupeGapMs: env.SIGNAL_DUPE_GAP_MS,
        FpWindowSec: env.SIGNAL_FP_WINDOW_SECONDS,
        FpSuspiciousDistinct: env.SIGNAL_FP_SUSPICIOUS_DISTINCT,
        FpSuspiciousHits: env.SIGNAL_FP_SUSPICIOUS_HITS,
        FpHighVolumeHits: env.SIGNAL_FP_HIGH_VOLUME_HITS,
        FpExtremeHits: env.SIGNAL_FP_EXTREME_HITS,
        FpRateWindowSec: env.SIGNAL_FP_RATE_WINDOW_SECONDS,
        FpHighRateHits: env.SIGNAL_FP_HIGH_RATE_HITS,
        BotScoreThreshold: env.BOT_SCORE_THRESHOLD,
      } satisfies SignalSettings,
    },
    health: {
      parseLag: { warning: env.HEALTH_PARSE_LAG_WARNING, critical: env.HEALTH_PARSE_LAG_CRITICAL },
      matchLag: { warning: env.HEALTH_MATCH_LAG_WARNING, critical: env.HEALTH_MATCH_LAG_CRITICAL },
      queueBacklog: {
        warning: env.HEALTH_QUEUE_BACKLOG_WARNING,
        critical: env.HEALTH_QUEUE_BACKLOG_CRITICAL,
      },
    },
    identity: { autoConsumerTable: env.AUTOCONSUMER_TABLE },
  };
});

export type Settings = z.output<typeof envSchema>;
export type DatabaseEngine = Settings['database']['engine'];

export class SettingsError extends Error {
  override name = 'SettingsError';
}

type Env = Record<string, string | undefined>;

function parseEnv<S extends z.ZodType>(schema: S, env: Env): z.output<S> {
  // Empty strings mean "not set", as App Service shows unset settings.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(settings)'}: ${i.message}`);
    throw new SettingsError(`Invalid settings:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** Parses settings from an environment; throws a SettingsError naming every bad value. */
export function parseSettings(env: Env): Settings {
  return parseEnv(envSchema, env);
}

/**
 * Settings of a tool that opens no database (`spill:replay`, `queue:requeue-poison`): every other setting is
 * checked as usual, the database settings are neither needed nor read.
 */
export function queueToolSettings(env: Env): Settings {
  return parseSettings({ ...env, DATABASE_ENGINE: 'postgres', DATABASE_URL: 'postgres://not-used' });
}

let current: Settings | undefined;

/** The settings of this process, read from process.env on first use. */
export function settings(): Settings {
  current ??= parseSettings(process.env);
  return current;
}

/** Replaces the process settings (the local runner and tests configure them before functions load). */
export function useSettings(next: Settings): void {
  current = next;
}

const localSchema = z.object({
  LOCAL_HTTP_PORT: int(7071, 1, 65535),
  LOCAL_PG_PORT: int(54329, 1, 65535),
  AZURITE_QUEUE_PORT: int(10001, 1, 65535),
  LOCAL_DATA_DIR: z.string().default('.data'),
  /** Synthetic consumers seeded into an empty local AutoConsumer (0 = none). */
  LOCAL_SEED_CONSUMERS: int(20_000, 0, 50_000_000),
  /** Use this PostgreSQL instead of starting the embedded one. */
  DATABASE_URL: z.string().optional(),
});

export type LocalSettings = z.output<typeof localSchema>;

/** Settings of `npm start` only. */
export const LOCAL_SETTING_NAMES = Object.keys(localSchema.shape);

/** Settings of the local runner (`npm start`) only. */
export function parseLocalSettings(env: Env): LocalSettings {
  return parseEnv(localSchema, env);
}

/** What `npm start` writes into its data folder while it runs, so the CLIs beside it find its services. */
export interface LocalRun {
  pid: number;
  url: string;
  databaseUrl: string;
  queueConnection: string;
}

/** The file `npm start` keeps while it runs (under LOCAL_DATA_DIR). */
export function localRunFile(env: Env = process.env): string {
  return join(resolve(PROJECT_ROOT, parseLocalSettings(env).LOCAL_DATA_DIR), 'local-run.json');
}

/** The running `npm start`'s services, or undefined when none runs (a file left by a killed run is ignored). */
export function runningLocalRun(env: Env = process.env): LocalRun | undefined {
  const file = localRunFile(env);
  if (!existsSync(file)) return undefined;
  try {
    const run = JSON.parse(readFileSync(file, 'utf8')) as LocalRun;
    process.kill(run.pid, 0);
    return run;
  } catch {
    return undefined;
  }
}

/**
 * Settings of the command-line tools: the environment, and when it names no database, the database and queue
 * of the `npm start` running beside them, so its README commands work without setting anything.
 */
export function cliSettings(): Settings {
  const env = process.env;
  const run = env.DATABASE_URL || env.SQL_CONNECTION_STRING ? undefined : runningLocalRun(env);
  try {
    current = run
      ? parseSettings({
          ...env,
          DATABASE_URL: run.databaseUrl,
          AzureWebJobsStorage: env.AzureWebJobsStorage || run.queueConnection,
        })
      : parseSettings(env);
  } catch (error) {
    if (error instanceof SettingsError && /DATABASE_URL: is required/.test(error.message))
      throw new SettingsError(
        `${error.message}\n  (or leave it unset while \`npm start\` runs in another terminal: its database is used)`,
      );
    throw error;
  }
  if (run) console.error(`[smartpixl] using the database of the running \`npm start\`: ${run.databaseUrl}`);
  return current;
}
