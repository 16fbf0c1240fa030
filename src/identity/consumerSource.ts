/**
 * Which table is the consumer file. Procedures read PiXL.AutoConsumerSource; this module re-points it at
 * AUTOCONSUMER_TABLE (the engine checks the target has what matching needs).
 */
import type { Warehouse } from '../db/types.js';

/** The configured consumer table, or the one the migrations create. */
export function consumerTable(db: Warehouse, configured?: string): string {
  return configured ?? db.consumers.localTable;
}

/** Re-points PiXL.AutoConsumerSource at `table`, after checking the table has what matching reads. */
export function pointConsumerSource(db: Warehouse, table: string): Promise<void> {
  return db.consumers.pointSourceAt(table);
}
