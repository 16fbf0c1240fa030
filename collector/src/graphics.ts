/**
 * Canvas, fonts, CSS, Math and error fingerprints (as the original collector measured them); WebGL is in
 * collector/src/webgl.ts.
 */
import { bit, type Data, hash, type Loose, put } from './util';

function drawCanvas(): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = 280;
  c.height = 60;
  const x = c.getContext('2d') as CanvasRenderingContext2D;
  x.textBaseline = 'alphabetic';
  x.fillStyle = '#f60';
  x.fillRect(100, 1, 62, 20);
  x.fillStyle = '#069';
  x.font = '11pt "Times New Roman"';
  x.fillText('SmartPiXL <canvas> 1.0', 2, 15);
  x.fillStyle = 'rgba(102, 204, 0, 0.7)';
  x.font = '18pt Arial';
  x.fillText('Fingerprint!', 4, 45);
  x.globalCompositeOperation = 'multiply';
  x.fillStyle = 'rgb(255,0,255)';
  x.beginPath();
  x.arc(50, 30, 25, 0, Math.PI * 2, true);
  x.closePath();
  x.fill();
  return c;
}

export interface CanvasResult {
  noise: boolean;
  blocked: boolean;
}

export function canvasPrint(d: Data): CanvasResult {
  const result = { noise: false, blocked: false };
  try {
    const drawn = drawCanvas();
    const first = drawn.toDataURL();
    const second = drawCanvas().toDataURL();
    const blank = document.createElement('canvas');
    blank.width = 280;
    blank.height = 60;
    result.blocked = first === blank.toDataURL();
    // Two identical drawings that differ: a tool adds random noise to every read.
    result.noise = !result.blocked && first !== second;
    d.canvasFP = hash(first);
    d.canvasConsistency = result.blocked ? 'canvas-blocked' : result.noise ? 'noise-detected' : 'clean';
    // 100 pixels sampled along a diagonal of the drawing: a real drawing varies, a blocked one is flat.
    const px = (drawn.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, 280, 60).data;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < 100; i++) {
      const v = px[((i % 60) * 280 + ((i * 29) % 280)) * 4 + 1] as number;
      sum += v;
      sq += v * v;
    }
    const variance = sq / 100 - (sum / 100) ** 2;
    d.canvasEvasion = bit(variance < 1 || first.length < 1000);
  } catch {
    d.canvasFP = '';
    d.canvasConsistency = 'error';
    d.canvasEvasion = 0;
  }
  return result;
}

const FONTS = [
  'Arial',
  'Arial Black',
  'Calibri',
  'Cambria',
  'Comic Sans MS',
  'Consolas',
  'Courier New',
  'Georgia',
  'Helvetica',
  'Helvetica Neue',
  'Impact',
  'Lucida Console',
  'Lucida Grande',
  'Microsoft Sans Serif',
  'Monaco',
  'Palatino',
  'Segoe UI',
  'Tahoma',
  'Times New Roman',
  'Trebuchet MS',
  'Verdana',
  'Menlo',
  'San Francisco',
  'Roboto',
  'Ubuntu',
  'DejaVu Sans',
  'Liberation Sans',
  'Noto Sans',
  'Gill Sans',
  'Futura',
];

export interface FontResult {
  fonts: string[];
  mismatch: boolean;
}

/** Each font against the monospace baseline, measured two ways in one layout pass (a mismatch is spoofing). */
export function fontPrint(d: Data): FontResult {
  const out: FontResult = { fonts: [], mismatch: false };
  try {
    const box = document.createElement('div');
    box.style.cssText = 'position:absolute;left:-9999px;top:0;visibility:hidden';
    const make = (family: string) => {
      const s = document.createElement('span');
      s.style.cssText = `font-size:72px;font-family:${family};white-space:nowrap`;
      s.textContent = 'mmmmmmmmmmlli';
      box.appendChild(s);
      return s;
    };
    const base = make('monospace');
    const spans = FONTS.map((f) => make(`'${f}',monospace`));
    document.body.appendChild(box);
    const baseW = base.offsetWidth;
    const baseR = base.getBoundingClientRect().width;
    const byRect: string[] = [];
    spans.forEach((s, i) => {
      const name = FONTS[i] as string;
      if (s.offsetWidth !== baseW) out.fonts.push(name);
      if (Math.abs(s.getBoundingClientRect().width - baseR) >= 1) byRect.push(name);
    });
    out.mismatch = out.fonts.join() !== byRect.join();
    // CSS font features, then the box is gone.
    const probe = document.createElement('span');
    probe.textContent = 'SmartPiXL';
    box.appendChild(probe);
    const cs = getComputedStyle(probe) as Loose;
    d.cssFontVariant = [
      'fontVariant',
      'fontVariantCaps',
      'fontVariantEastAsian',
      'fontVariantLigatures',
      'fontVariantNumeric',
      'fontVariantPosition',
      'fontFeatureSettings',
      'fontKerning',
      'fontOpticalSizing',
      'fontStretch',
    ]
      .map((p) => String(cs[p] ?? '').slice(0, 4))
      .concat(String(probe.offsetWidth))
      .join('|');
    box.remove();
  } catch {
    d.cssFontVariant = d.cssFontVariant ?? '';
  }
  d.fonts = out.fonts.join(',');
  d.fontMethodMismatch = bit(out.mismatch);
  return out;
}

export function mathAndError(d: Data): void {
  put(d, 'mathFP', () =>
    [
      Math.tan(-1e300),
      Math.sin(1),
      Math.acos(0.5),
      Math.atan(2),
      Math.exp(1),
      Math.log(2),
      Math.sqrt(2),
      2 ** 53,
    ]
      .map((v) => String(v).slice(0, 10))
      .join(','),
  );
  put(d, 'errorFP', () => {
    try {
      (null as Loose)[0]();
      return '';
    } catch (e) {
      const err = e as Error;
      return String((err.message || '').length + (err.stack || '').length);
    }
  });
}
