/**
 * ETL passes (parse, classify, match) until every raw hit is parsed and matched. Other test files share the
 * server, and their open transactions can hold the parse horizon for a moment, so one pass may take nothing.
 */

import { etlSteps, runEtlPass } from '../../src/etl/runEtl.js';
import type { TestWarehouse } from './engines.js';

const ETL = { batchSize: 1000, timeBudgetMs: 60_000, matchBatchSize: 1000 };

export async function etlUntilParsed(db: TestWarehouse, timeoutMs = 30_000): Promise<void> {
  const q = (name: string) => db.name(name);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await runEtlPass(db, ETL, undefined, etlSteps(ETL).slice(0, 3));
    const [row] = await db.query(
      `SELECT COUNT(*) AS n FROM ${q('PiXL.Test')} t
       WHERE NOT EXISTS (SELECT 1 FROM ${q('PiXL.Parsed')} p WHERE p.${q('SourceId')} = t.${q('Id')})`,
    );
    const [visits] = await db.query(
      `SELECT COUNT(*) AS n FROM ${q('PiXL.Visit')} v
       WHERE v.${q('MatchSeq')} > (SELECT w.${q('LastMatchSeq')} FROM ${q('ETL.MatchWatermark')} w
         WHERE w.${q('ProcessName')} = 'MatchVisits')`,
    );
    if (Number(row?.n) === 0 && Number(visits?.n) === 0) return;
    if (Date.now() > deadline) throw new Error('the ETL did not catch up');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
