/**
 * Companies, pixels and their client params, as `npm run pixl` manages them through Warehouse.pixels. Every
 * input is checked before anything is written, and each change is one engine call (one transaction), so bad
 * input changes nothing.
 */
import { ID_PATTERN } from '../capture/hit.js';
import type { RegistryChange, Warehouse } from '../db/types.js';

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

async function findCompany(db: Warehouse, companyId: string) {
  return (await db.pixels.companies()).find((c) => c.companyId === companyId);
}

async function findPixel(db: Warehouse, companyId: string, pixelId: string) {
  return (await db.pixels.pixels()).find((p) => p.companyId === companyId && p.pixelId === pixelId);
}

async function needCompany(db: Warehouse, companyId: string): Promise<void> {
  checkId('company', companyId);
  if (!(await findCompany(db, companyId)))
    throw new AdminInputError(`company ${companyId} does not exist (add it with: pixl company add)`);
}

async function needPixel(db: Warehouse, companyId: string, pixelId: string): Promise<void> {
  await needCompany(db, companyId);
  checkId('pixel', pixelId);
  if (!(await findPixel(db, companyId, pixelId)))
    throw new AdminInputError(`pixel ${companyId}/${pixelId} does not exist (add it with: pixl pixel add)`);
}

export async function addCompany(db: Warehouse, companyId: string, name: string): Promise<void> {
  checkId('company', companyId);
  const clean = checkName('company', name);
  if (await findCompany(db, companyId))
    throw new AdminInputError(`company ${companyId} exists already (change it with: pixl company set)`);
  await db.pixels.addCompany(companyId, clean);
}

function checkChange(kind: string, change: RegistryChange): RegistryChange {
  if (change.name === undefined && change.active === undefined)
    throw new AdminInputError('nothing to change: give --name and/or --active');
  return { ...change, name: change.name === undefined ? undefined : checkName(kind, change.name) };
}

export async function changeCompany(db: Warehouse, companyId: string, change: RegistryChange): Promise<void> {
  const checked = checkChange('company', change);
  await needCompany(db, companyId);
  await db.pixels.updateCompany(companyId, checked);
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
  if (await findPixel(db, companyId, pixelId))
    throw new AdminInputError(
      `pixel ${companyId}/${pixelId} exists already (change it with: pixl pixel set)`,
    );
  await db.pixels.addPixel(companyId, pixelId, clean);
}

export async function changePixel(
  db: Warehouse,
  companyId: string,
  pixelId: string,
  change: RegistryChange,
): Promise<void> {
  const checked = checkChange('pixel', change);
  await needPixel(db, companyId, pixelId);
  await db.pixels.updatePixel(companyId, pixelId, checked);
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
  const domSelector = checkSelector(selector);
  await needPixel(db, companyId, pixelId);
  return db.pixels.setClientParam({ companyId, pixelId, paramName: param, domSelector });
}

export async function removeParam(
  db: Warehouse,
  companyId: string,
  pixelId: string,
  name: string,
): Promise<void> {
  const param = paramName(name);
  await needPixel(db, companyId, pixelId);
  if (!(await db.pixels.removeClientParam(companyId, pixelId, param)))
    throw new AdminInputError(`pixel ${companyId}/${pixelId} has no param ${param}`);
}

export interface PixelListing {
  companyId: string;
  companyName: string;
  companyActive: boolean;
  pixels: { pixelId: string; name: string; active: boolean; params: { name: string; selector: string }[] }[];
}

export async function listPixels(db: Warehouse): Promise<PixelListing[]> {
  const [companies, pixels, params] = await Promise.all([
    db.pixels.companies(),
    db.pixels.pixels(),
    db.pixels.allClientParams(),
  ]);
  return companies.map((c) => ({
    companyId: c.companyId,
    companyName: c.name,
    companyActive: Boolean(c.active),
    pixels: pixels
      .filter((p) => p.companyId === c.companyId)
      .map((p) => ({
        pixelId: p.pixelId,
        name: p.name,
        active: Boolean(p.active),
        params: params
          .filter((x) => x.companyId === c.companyId && x.pixelId === p.pixelId)
          .map((x) => ({ name: x.paramName, selector: x.domSelector })),
      })),
  }));
}

/** The tag a client page embeds. */
export function embedSnippet(baseUrl: string, companyId: string, pixelId: string): string {
  checkId('company', companyId);
  checkId('pixel', pixelId);
  return `<script src="${baseUrl.replace(/\/+$/, '')}/js/${companyId}/${pixelId}.js" async></script>`;
}
