/**
 * Companies, pixels and their client params (PiXL.Company, PiXL.Pixel, PiXL.Config, PiXL.ConfigClientParam),
 * as `npm run pixl` manages them. Every input is checked before anything is written, and each change is one
 * statement (a new pixel: two, its Config row first-or-nothing by the checks), so bad input changes nothing.
 * Plain statements on both engines: names quoted through Warehouse.name.
 */
import { ID_PATTERN } from '../capture/hit.js';
import type { Warehouse } from '../db/types.js';

export class AdminInputError extends Error {
  override name = 'AdminInputError';
}

const PARAM_NAME = /^[A-Za-z0-9_]{1,96}$/;

function checkId(kind: string, id: string): void {
  if (!ID_PATTERN.test(id)) throw new AdminInputError(`${kind} id "${id}" must match ^[A-Za-z0-9_-]{1,64}$`);
}

function checkName(kind: string, name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 200) throw new AdminInputError(`${kind} name must be 1 to 200 characters`);
  return trimmed;
}

/** `email` or `_cp_email` to the stored `_cp_email`. */
export function paramName(name: string): string {
  const bare = name.replace(/^_cp_/, '');
  if (!PARAM_NAME.test(bare))
    throw new AdminInputError(`param name "${name}" must be letters, digits or _ (at most 96), after _cp_`);
  return `_cp_${bare}`;
}

function checkSelector(selector: string): string {
  const s = selector.trim();
  if (!s || s.length > 500 || /[\r\n]/.test(s))
    throw new AdminInputError('DOM selector must be 1 to 500 characters on one line');
  return s;
}

const names = (db: Warehouse) => (dotted: string) => db.name(dotted);

async function exists(db: Warehouse, table: string, where: Record<string, string>): Promise<boolean> {
  const n = names(db);
  const keys = Object.keys(where);
  const rows = await db.query(
    `SELECT 1 AS ${n('x')} FROM ${n(table)} WHERE ${keys.map((k, i) => `${n(k)} = $${i + 1}`).join(' AND ')}`,
    Object.values(where),
  );
  return rows.length > 0;
}

async function needCompany(db: Warehouse, companyId: string): Promise<void> {
  checkId('company', companyId);
  if (!(await exists(db, 'PiXL.Company', { CompanyID: companyId })))
    throw new AdminInputError(`company ${companyId} does not exist (add it with: pixl company add)`);
}

async function needPixel(db: Warehouse, companyId: string, pixelId: string): Promise<void> {
  await needCompany(db, companyId);
  checkId('pixel', pixelId);
  if (!(await exists(db, 'PiXL.Pixel', { CompanyID: companyId, PiXLID: pixelId })))
    throw new AdminInputError(`pixel ${companyId}/${pixelId} does not exist (add it with: pixl pixel add)`);
}

export async function addCompany(db: Warehouse, companyId: string, name: string): Promise<void> {
  checkId('company', companyId);
  const clean = checkName('company', name);
  if (await exists(db, 'PiXL.Company', { CompanyID: companyId }))
    throw new AdminInputError(`company ${companyId} exists already (change it with: pixl company set)`);
  const n = names(db);
  await db.query(
    `INSERT INTO ${n('PiXL.Company')} (${n('CompanyID')}, ${n('CompanyName')}) VALUES ($1, $2)`,
    [companyId, clean],
  );
}

export interface Changes {
  name?: string | undefined;
  active?: boolean | undefined;
}

function setClause(db: Warehouse, nameColumn: string, changes: Changes): [string, unknown[]] {
  const n = names(db);
  const parts: string[] = [];
  const values: unknown[] = [];
  if (changes.name !== undefined) {
    values.push(checkName(nameColumn === 'CompanyName' ? 'company' : 'pixel', changes.name));
    parts.push(`${n(nameColumn)} = $${values.length}`);
  }
  if (changes.active !== undefined) {
    values.push(changes.active);
    parts.push(`${n('IsActive')} = $${values.length}`);
  }
  if (!parts.length) throw new AdminInputError('nothing to change: give --name and/or --active');
  return [parts.join(', '), values];
}

export async function changeCompany(db: Warehouse, companyId: string, changes: Changes): Promise<void> {
  const [set, values] = setClause(db, 'CompanyName', changes);
  await needCompany(db, companyId);
  const n = names(db);
  await db.query(`UPDATE ${n('PiXL.Company')} SET ${set} WHERE ${n('CompanyID')} = $${values.length + 1}`, [
    ...values,
    companyId,
  ]);
}

export async function addPixel(
  db: Warehouse,
  companyId: string,
  pixelId: string,
  name: string,
): Promise<void> {
  checkId('pixel', pixelId);
  const clean = checkName('pixel', name);
  await needCompany(db, companyId);
  if (await exists(db, 'PiXL.Pixel', { CompanyID: companyId, PiXLID: pixelId }))
    throw new AdminInputError(
      `pixel ${companyId}/${pixelId} exists already (change it with: pixl pixel set)`,
    );
  const n = names(db);
  await db.query(
    `INSERT INTO ${n('PiXL.Pixel')} (${n('CompanyID')}, ${n('PiXLID')}, ${n('PixelName')}) VALUES ($1, $2, $3)`,
    [companyId, pixelId, clean],
  );
  // Its settings row with the defaults (PiXL.Config); client params hang off it.
  if (!(await exists(db, 'PiXL.Config', { CompanyID: companyId, PiXLID: pixelId })))
    await db.query(`INSERT INTO ${n('PiXL.Config')} (${n('CompanyID')}, ${n('PiXLID')}) VALUES ($1, $2)`, [
      companyId,
      pixelId,
    ]);
}

export async function changePixel(
  db: Warehouse,
  companyId: string,
  pixelId: string,
  changes: Changes,
): Promise<void> {
  const [set, values] = setClause(db, 'PixelName', changes);
  await needPixel(db, companyId, pixelId);
  const n = names(db);
  await db.query(
    `UPDATE ${n('PiXL.Pixel')} SET ${set} WHERE ${n('CompanyID')} = $${values.length + 1} AND ${n('PiXLID')} = $${values.length + 2}`,
    [...values, companyId, pixelId],
  );
}

/** Adds the param, or points it at a new selector. */
export async function setParam(
  db: Warehouse,
  companyId: string,
  pixelId: string,
  name: string,
  selector: string,
): Promise<'added' | 'changed'> {
  const param = paramName(name);
  const clean = checkSelector(selector);
  await needPixel(db, companyId, pixelId);
  const n = names(db);
  if (!(await exists(db, 'PiXL.Config', { CompanyID: companyId, PiXLID: pixelId })))
    await db.query(`INSERT INTO ${n('PiXL.Config')} (${n('CompanyID')}, ${n('PiXLID')}) VALUES ($1, $2)`, [
      companyId,
      pixelId,
    ]);
  const key = { CompanyID: companyId, PiXLID: pixelId, ParamName: param };
  if (await exists(db, 'PiXL.ConfigClientParam', key)) {
    await db.query(
      `UPDATE ${n('PiXL.ConfigClientParam')} SET ${n('DomSelector')} = $1
       WHERE ${n('CompanyID')} = $2 AND ${n('PiXLID')} = $3 AND ${n('ParamName')} = $4`,
      [clean, companyId, pixelId, param],
    );
    return 'changed';
  }
  await db.query(
    `INSERT INTO ${n('PiXL.ConfigClientParam')} (${n('CompanyID')}, ${n('PiXLID')}, ${n('ParamName')}, ${n('DomSelector')})
     VALUES ($1, $2, $3, $4)`,
    [companyId, pixelId, param, clean],
  );
  return 'added';
}

export async function removeParam(
  db: Warehouse,
  companyId: string,
  pixelId: string,
  name: string,
): Promise<void> {
  const param = paramName(name);
  await needPixel(db, companyId, pixelId);
  const key = { CompanyID: companyId, PiXLID: pixelId, ParamName: param };
  if (!(await exists(db, 'PiXL.ConfigClientParam', key)))
    throw new AdminInputError(`pixel ${companyId}/${pixelId} has no param ${param}`);
  const n = names(db);
  await db.query(
    `DELETE FROM ${n('PiXL.ConfigClientParam')} WHERE ${n('CompanyID')} = $1 AND ${n('PiXLID')} = $2 AND ${n('ParamName')} = $3`,
    [companyId, pixelId, param],
  );
}

export interface PixelListing {
  companyId: string;
  companyName: string;
  companyActive: boolean;
  pixels: { pixelId: string; name: string; active: boolean; params: { name: string; selector: string }[] }[];
}

export async function listPixels(db: Warehouse): Promise<PixelListing[]> {
  const n = names(db);
  const companies = await db.query<{ CompanyID: string; CompanyName: string; IsActive: boolean }>(
    `SELECT ${n('CompanyID')}, ${n('CompanyName')}, ${n('IsActive')} FROM ${n('PiXL.Company')}`,
  );
  const pixels = await db.query<{ CompanyID: string; PiXLID: string; PixelName: string; IsActive: boolean }>(
    `SELECT ${n('CompanyID')}, ${n('PiXLID')}, ${n('PixelName')}, ${n('IsActive')} FROM ${n('PiXL.Pixel')}`,
  );
  const params = await db.query<{
    CompanyID: string;
    PiXLID: string;
    ParamName: string;
    DomSelector: string;
  }>(
    `SELECT ${n('CompanyID')}, ${n('PiXLID')}, ${n('ParamName')}, ${n('DomSelector')} FROM ${n('PiXL.ConfigClientParam')}`,
  );
  // Sorted here: collations differ between the engines.
  const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return companies
    .sort((a, b) => byId(a.CompanyID, b.CompanyID))
    .map((c) => ({
      companyId: c.CompanyID,
      companyName: c.CompanyName,
      companyActive: Boolean(c.IsActive),
      pixels: pixels
        .filter((p) => p.CompanyID === c.CompanyID)
        .sort((a, b) => byId(a.PiXLID, b.PiXLID))
        .map((p) => ({
          pixelId: p.PiXLID,
          name: p.PixelName,
          active: Boolean(p.IsActive),
          params: params
            .filter((x) => x.CompanyID === c.CompanyID && x.PiXLID === p.PiXLID)
            .sort((a, b) => byId(a.ParamName, b.ParamName))
            .map((x) => ({ name: x.ParamName, selector: x.DomSelector })),
        })),
    }));
}

/** The tag a client page embeds. */
export function embedSnippet(baseUrl: string, companyId: string, pixelId: string): string {
  checkId('company', companyId);
  checkId('pixel', pixelId);
  return `<script src="${baseUrl.replace(/\/+$/, '')}/js/${companyId}/${pixelId}.js" async></script>`;
}
