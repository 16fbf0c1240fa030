/** Canvas, WebGL, fonts, CSS, Math and error fingerprints (as the original collector measured them). */
import { bit, type Data, hash, type Loose, put, safe } from './util';

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

/** The 23 parameters hashed into webglFP (the first five are also sent as webglParams). */
const GL_PARAMS = [
  'VERSION',
  'SHADING_LANGUAGE_VERSION',
  'VENDOR',
  'RENDERER',
  'MAX_VERTEX_ATTRIBS',
  'MAX_VERTEX_UNIFORM_VECTORS',
  'MAX_VERTEX_TEXTURE_IMAGE_UNITS',
  'MAX_VARYING_VECTORS',
  'MAX_FRAGMENT_UNIFORM_VECTORS',
  'MAX_TEXTURE_IMAGE_UNITS',
  'MAX_COMBINED_TEXTURE_IMAGE_UNITS',
  'MAX_TEXTURE_SIZE',
  'MAX_CUBE_MAP_TEXTURE_SIZE',
  'MAX_RENDERBUFFER_SIZE',
  'MAX_VIEWPORT_DIMS',
  'ALIASED_LINE_WIDTH_RANGE',
  'ALIASED_POINT_SIZE_RANGE',
  'RED_BITS',
  'GREEN_BITS',
  'BLUE_BITS',
  'ALPHA_BITS',
  'DEPTH_BITS',
  'STENCIL_BITS',
];

export function webglPrint(d: Data): string {
  const canvas = document.createElement('canvas');
  const gl = safe(
    () =>
      (canvas.getContext('webgl') || canvas.getContext('experimental-webgl')) as WebGLRenderingContext | null,
    null,
  );
  d.webgl = bit(gl);
  // A second (WebGL 2) context costs 30-50 ms with a software GPU: WebGL 2 counts as obtainable when WebGL
  // is and the browser has the WebGL 2 API.
  d.webgl2 = bit(gl && (window as Loose).WebGL2RenderingContext);
  let renderer = '';
  if (!gl) {
    for (const k of ['gpu', 'gpuVendor', 'webglParams', 'webglExt', 'webglFP']) d[k] = '';
    d.webglEvasion = 0;
    return renderer;
  }
  const g = gl as Loose;
  const values = GL_PARAMS.map((name) =>
    safe(() => {
      const v = gl.getParameter(g[name]);
      return v && typeof v === 'object' && 'length' in v
        ? Array.from(v as ArrayLike<number>).join(',')
        : String(v);
    }, ''),
  );
  const extensions = safe(() => gl.getSupportedExtensions() || [], [] as string[]);
  const info = safe(() => gl.getExtension('WEBGL_debug_renderer_info'), null);
  renderer = info ? safe(() => String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)), '') : '';
  d.gpu = renderer;
  put(d, 'gpuVendor', () => (info ? gl.getParameter(info.UNMASKED_VENDOR_WEBGL) : ''));
  d.webglParams = values.slice(0, 5).join('|');
  d.webglExt = extensions.length;
  d.webglFP = hash(`${values.join('|')}~${extensions.join(',')}`);
  d.webglEvasion = bit(/swiftshader|llvmpipe|mesa|disabled/i.test(renderer));
  safe(() => gl.getExtension('WEBGL_lose_context')?.loseContext(), undefined);
  return renderer;
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
