/**
 * `npm run bench:match` — ETL.usp_MatchVisits on the embedded PostgreSQL: 100,000 visits (70% a seeded
 * consumer's email in another letter case or spacing, 10% its hashed email, 20% an email no consumer has)
 * matched against AutoConsumer at 1 M and then 10 M rows. Each lookup is an index seek, so the time should
 * barely grow with the table. Results go to docs/PERFORMANCE.md ("Identity matching").
 * BENCH_VISITS (100000), BENCH_SMALL (1000000), BENCH_LARGE (10000000), BENCH_PG_PORT (54353).
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { PostgresWarehouse } from '../src/db/postgres/warehouse.js';
import type { ConsumerGenerator } from '../src/identity/consumerGenerator.js';
import { emailSha256 } from '../src/identity/email.js';
import { seedConsumers } from '../src/identity/seedConsumers.js';
import { startEmbeddedPostgres } from '../src/local/embeddedPostgres.js';
import { PROJECT_ROOT } from '../src/runtime/paths.js';
import { matchBatch } from '../test/support/matchBatch.js';
import { writePerformanceSection } from './report.js';

const VISITS = Number(process.env.BENCH_VISITS ?? 100_000);
const SMALL = Number(process.env.BENCH_SMALL ?? 1_000_000);
const LARGE = Number(process.env.BENCH_LARGE ?? 10_000_000);
const PORT = Number(process.env.BENCH_PG_PORT ?? 54353);
const BATCH = 1000;
const SEED = 1;
const log = (line: string) => console.log(`[bench:match] ${line}`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** As the parse writes Visit.MatchEmail: spaces trimmed, ASCII letters lower-cased, at most 200 characters. */
const parseMatchEmail = (raw: string) =>
  raw
    .replace(/^ +| +$/g, '')
    .replace(/[A-Z]/g, (c) => c.toLowerCase())
    .slice(0, 200) || null;

function* visits(generator: ConsumerGenerator, consumers: number): Generator<unknown[]> {
  let row = 0;
  for (let i = 0; i < VISITS; i++) {
    const kind = i % 10;
    let params: Record<string, string>;
    if (kind < 8) {
      // The next seeded row with an email, spread over the whole small table.
      let c = generator.row(row);
      while (!c.email?.includes('@')) {
        row = (row + 7919) % consumers;
        c = generator.row(row);
      }
      row = (row + 7919) % consumers;
      const email = c.email;
      params =
        kind === 7
          ? { hid: emailSha256(email) ?? '' }
          : { email: i % 3 === 0 ? ` ${email.toUpperCase()} ` : email };
    } else {
      params = { email: `nobody.${i}@example.org` };
    }
    const at = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
    yield [
      i + 1,
      '12800',
      '1',
      at,
      JSON.stringify(params),
      params.email ? parseMatchEmail(params.email) : null,
    ];
  }
}

async function timeMatching(
  db: PostgresWarehouse,
): Promise<{ seconds: number; matched: number; batches: number }> {
  const started = performance.now();
  let matched = 0;
  let batches = 0;
  for (;;) {
    const r = await matchBatch(db, BATCH);
    if (r.rowsProcessed === 0) break;
    matched += r.rowsMatched;
    batches++;
  }
  return { seconds: (performance.now() - started) / 1000, matched, batches };
}

async function resetMatches(db: PostgresWarehouse): Promise<void> {
  await db.query(
    'TRUNCATE "PiXL"."VisitorDevice", "PiXL"."Visitor", "PiXL"."MatchVisit", "PiXL"."Match" CASCADE',
  );
  await db.query(`UPDATE "ETL"."MatchWatermark" SET "LastMatchSeq" = 0, "LastProcessedId" = 0,
    "ConsumerRecordId" = (SELECT max("RecordID") FROM "PiXL"."AutoConsumerSource")`);
}

const server = await startEmbeddedPostgres({
  dataDir: join(PROJECT_ROOT, '.data', 'bench-pg-consumers'),
  port: PORT,
  database: 'postgres',
});
try {
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS bench_match WITH (FORCE)');
  await admin.query('CREATE DATABASE bench_match');
  await admin.end();
  const db = new PostgresWarehouse(server.url.replace(/\/postgres$/, '/bench_match'));
  try {
    await migrate(db);
    log(`seeding ${fmt(SMALL)} consumers`);
    const small = await seedConsumers(db, { rows: SMALL, seed: SEED });
    log(`  ${fmt(small.rowsPerSecond)} rows/s load, ${small.indexSeconds.toFixed(1)} s index rebuild`);
    await db.bulkLoad(
      'PiXL.Visit',
      [
        { name: 'VisitID', type: 'bigint' },
        { name: 'CompanyID', type: 'text' },
        { name: 'PiXLID', type: 'text' },
        { name: 'ReceivedAt', type: 'text' },
        { name: 'ClientParamsJson', type: 'text' },
        { name: 'MatchEmail', type: 'text' },
      ],
      visits(small.generator, SMALL),
    );
    await db.query('VACUUM ANALYZE "PiXL"."Visit"');
    await resetMatches(db);

    const atSmall = await timeMatching(db);
    log(
      `${fmt(VISITS)} visits vs ${fmt(SMALL)} consumers: ${atSmall.seconds.toFixed(2)} s (${fmt(VISITS / atSmall.seconds)} visits/s), ${fmt(atSmall.matched)} matched`,
    );

    log(`growing AutoConsumer to ${fmt(LARGE)} rows`);
    const large = await seedConsumers(db, { rows: LARGE - SMALL, seed: SEED + 1, rebuildIndexes: 'always' });
    log(`  ${fmt(large.rowsPerSecond)} rows/s load, ${large.indexSeconds.toFixed(1)} s index rebuild`);
    await db.query('VACUUM ANALYZE public."AutoConsumer"');
    await resetMatches(db);
    const atLarge = await timeMatching(db);
    log(
      `${fmt(VISITS)} visits vs ${fmt(LARGE)} consumers: ${atLarge.seconds.toFixed(2)} s (${fmt(VISITS / atLarge.seconds)} visits/s), ${fmt(atLarge.matched)} matched`,
    );

    // Idempotent re-run over visits already linked: the cost of the bookkeeping alone.
    await db.query(`UPDATE "ETL"."MatchWatermark" SET "LastMatchSeq" = 0`);
    const rerun = await timeMatching(db);

    writePerformanceSection(
      'Identity matching',
      `\`npm run bench:match\`: ETL.usp_MatchVisits in batches of ${BATCH} on the embedded PostgreSQL 18 (${cpus().length} cores, ` +
        `shared machine). ${fmt(VISITS)} visits: 70% a seeded consumer's email (a third of them upper-cased with spaces), ` +
        '10% its SHA-256 as `hid`, 20% an email no consumer has. AutoConsumer from `db:seed-consumers` ' +
        '(~16% of rows with an email), loaded by COPY with its indexes rebuilt after the load.',
      [
        [
          'Seeding AutoConsumer (COPY)',
          `${fmt(small.rowsPerSecond)} rows/s`,
          `${fmt(SMALL)} rows into an empty table; index rebuild ${small.indexSeconds.toFixed(1)} s`,
        ],
        [
          `Seeding to ${fmt(LARGE)} (COPY)`,
          `${fmt(large.rowsPerSecond)} rows/s`,
          `${fmt(LARGE - SMALL)} rows appended, indexes dropped and rebuilt (${large.indexSeconds.toFixed(1)} s)`,
        ],
        [
          `Match ${fmt(VISITS)} visits vs ${fmt(SMALL)} consumers`,
          `${atSmall.seconds.toFixed(2)} s (${fmt(VISITS / atSmall.seconds)} visits/s)`,
          `${fmt(atSmall.matched)} visits matched, ${atSmall.batches} batches`,
        ],
        [
          `Match ${fmt(VISITS)} visits vs ${fmt(LARGE)} consumers`,
          `${atLarge.seconds.toFixed(2)} s (${fmt(VISITS / atLarge.seconds)} visits/s)`,
          `${fmt(atLarge.matched)} visits matched; target < 10 s`,
        ],
        [
          `Growth ${fmt(SMALL)} → ${fmt(LARGE)} consumers`,
          `×${(atLarge.seconds / atSmall.seconds).toFixed(2)}`,
          'one index seek per key: logarithmic, not linear',
        ],
        [
          'Re-processing linked visits',
          `${rerun.seconds.toFixed(2)} s`,
          'watermark reset: every visit skipped as already linked',
        ],
      ],
    );
  } finally {
    await db.close();
  }
} finally {
  await server.stop();
}
