/** WebGL parameters, extensions and renderer. Runs in a worker (OffscreenCanvas) or a page (a canvas element). */
import { bit, type Data, hash, type Loose, put, safe, win } from './util';

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

/** A page's canvas element or a worker's OffscreenCanvas. */
type Canvas = { getContext(type: string): unknown };

export function webglPrint(d: Data, canvas: Canvas): void {
  const gl = safe(
    () =>
      (canvas.getContext('webgl') || canvas.getContext('experimental-webgl')) as WebGLRenderingContext | null,
    null,
  );
  d.webgl = bit(gl);
  // A second (WebGL 2) context costs 30-50 ms with a software GPU: WebGL 2 counts as obtainable when WebGL
  // is and the browser has the WebGL 2 API.
  d.webgl2 = bit(gl && win.WebGL2RenderingContext);
  if (!gl) {
    for (const k of ['gpu', 'gpuVendor', 'webglParams', 'webglExt', 'webglFP']) d[k] = '';
    d.webglEvasion = 0;
    return;
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
  const renderer = info ? safe(() => String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)), '') : '';
  d.gpu = renderer;
  put(d, 'gpuVendor', () => (info ? gl.getParameter(info.UNMASKED_VENDOR_WEBGL) : ''));
  d.webglParams = values.slice(0, 5).join('|');
  d.webglExt = extensions.length;
  d.webglFP = hash(`${values.join('|')}~${extensions.join(',')}`);
  d.webglEvasion = bit(/swiftshader|llvmpipe|mesa|disabled/i.test(renderer));
  safe(() => gl.getExtension('WEBGL_lose_context')?.loseContext(), undefined);
}
