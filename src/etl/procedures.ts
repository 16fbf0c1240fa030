/** The ETL's stored procedures, named once; the engine calls them (Warehouse.callProcedure). */

export const PROCEDURES = {
  parse: 'ETL.usp_ParseNewHits',
  numberSignals: 'ETL.usp_NumberSignals',
  classify: 'ETL.usp_ClassifyIPs',
  match: 'ETL.usp_MatchVisits',
  retention: 'ETL.usp_PurgeRetention',
  erase: 'PiXL.usp_ErasePerson',
} as const;

/** A numeric result column as a number, or null when the procedure returned none. */
export function numberOf(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  return Number(value);
}
