/**
 * Realistic pixel query strings: every catalog key with a plausible, varied value (about 4 KB encoded, as
 * the collector sends). Deterministic for a seed, so the ETL tests and bench/etl.ts see the same shapes.
 */
import { FIELDS, type Field } from '../../src/warehouse/fields.js';

/** Small deterministic generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FONTS = [
  'Arial',
  'Calibri',
  'Cambria',
  'Consolas',
  'Courier New',
  'Georgia',
  'Helvetica',
  'Segoe UI',
  'Tahoma',
  'Times New Roman',
  'Trebuchet MS',
  'Verdana',
  'Menlo',
  'Monaco',
  'Roboto',
  'Ubuntu',
];
const GPUS = [
  'ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)',
  'ANGLE (Intel, Intel(R) UHD Graphics 620 Direct3D11 vs_5_0 ps_5_0, D3D11)',
  'Apple M2',
  'Mali-G78',
  'Adreno (TM) 650',
  'Mesa Intel(R) Xe Graphics (TGL GT2)',
];
const TZ = ['Europe/Paris', 'America/New_York', 'America/Los_Angeles', 'Asia/Tokyo', 'Europe/Berlin', 'UTC'];
const TITLES = [
  'The Trivia Quest — Daily Quiz',
  'Résultats & scores',
  'Quiz "Friday" edition',
  '日本語のページ 🎉',
];

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)] as T;
}

function words(r: () => number, n: number, from: readonly string[]): string {
  return Array.from({ length: n }, () => pick(r, from)).join(',');
}

function valueFor(f: Field, r: () => number, device: number): string {
  const t = f.sqlType;
  switch (f.column) {
    case 'CanvasFingerprint':
    case 'WebGLFingerprint':
    case 'AudioFingerprintHash':
      return `${f.key}-${device.toString(16).padStart(8, '0')}`;
    case 'GPURenderer':
      return GPUS[device % GPUS.length] as string;
    case 'DetectedFonts':
      return FONTS.slice(0, 4 + (device % 12)).join(',');
    case 'Timezone':
      return pick(r, TZ);
    case 'PageTitle':
      return pick(r, TITLES);
    case 'PageURL':
      return `https://www.triviaquest.example/quiz/${Math.floor(r() * 1e6)}?utm_source=news&utm_medium=email`;
    case 'ClientUserAgent':
      return 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
  }
  switch (t.kind) {
    case 'bit':
      return r() < 0.5 ? '1' : '0';
    case 'int':
      return String(Math.floor(r() * 5000));
    case 'bigint':
      return String(1_700_000_000_000 + Math.floor(r() * 1e9));
    case 'decimal':
      return (r() * 10).toFixed(2);
    case 'varchar': {
      // Long list fields carry long values; the rest a short token.
      if (t.length >= 4000) return words(r, 10 + Math.floor(r() * 12), FONTS.concat(GPUS));
      if (t.length >= 1000) return words(r, 4 + Math.floor(r() * 6), FONTS);
      return `${f.key}-${Math.floor(r() * 1000)}`.slice(0, Math.min(t.length, 40));
    }
  }
}

/** A query string with every catalog key, a few client params; `devices` distinct device fingerprints. */
export function realisticQueryString(seed: number, devices = 1000): string {
  const r = rng(seed);
  const device = Math.floor(r() * devices);
  const params = new URLSearchParams();
  for (const f of FIELDS) params.set(f.key, valueFor(f, r, device));
  params.set('_cp_email', `Player${Math.floor(r() * 100000)}@Example.com`);
  params.set('_cp_hid', Math.floor(r() * 1e12).toString(16));
  return params.toString();
}
