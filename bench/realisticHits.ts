/**
 * Realistic pixel query strings (~4-5 KB, as the collector script sends) with varied values, for the
 * ingest benchmark.
 */
const fonts =
  'Arial,Arial Black,Calibri,Cambria,Candara,Comic Sans MS,Consolas,Constantia,Corbel,Courier New,Georgia,Impact,Lucida Console,Lucida Sans Unicode,Microsoft Sans Serif,Palatino Linotype,Segoe Print,Segoe Script,Segoe UI,Tahoma,Times New Roman,Trebuchet MS,Verdana,Webdings,Wingdings';
const webglExt =
  'ANGLE_instanced_arrays,EXT_blend_minmax,EXT_color_buffer_half_float,EXT_disjoint_timer_query,EXT_float_blend,EXT_frag_depth,EXT_shader_texture_lod,EXT_texture_compression_bptc,EXT_texture_compression_rgtc,EXT_texture_filter_anisotropic,EXT_sRGB,KHR_parallel_shader_compile,OES_element_index_uint,OES_fbo_render_mipmap,OES_standard_derivatives,OES_texture_float,OES_texture_float_linear,OES_texture_half_float,OES_texture_half_float_linear,OES_vertex_array_object,WEBGL_color_buffer_float,WEBGL_compressed_texture_s3tc,WEBGL_compressed_texture_s3tc_srgb,WEBGL_debug_renderer_info,WEBGL_debug_shaders,WEBGL_depth_texture,WEBGL_draw_buffers,WEBGL_lose_context,WEBGL_multi_draw';
const uas = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0',
];
const gpus = [
  'ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)',
  'Apple M2',
  'Mesa Intel(R) UHD Graphics 620 (KBL GT2)',
  'Adreno (TM) 740',
];
const zones = ['America/New_York', 'Europe/Paris', 'Asia/Tokyo', 'America/Los_Angeles', 'Australia/Sydney'];

function hex(seed: number, length: number): string {
  let out = '';
  let x = seed * 2654435761;
  while (out.length < length) {
    x = (x * 1103515245 + 12345) >>> 0;
    out += x.toString(16).padStart(8, '0');
  }
  return out.slice(0, length);
}

export function realisticQueryString(i: number): string {
  const pick = <T>(list: readonly T[]) => list[i % list.length] as T;
  const p = new URLSearchParams({
    tier: '5',
    sw: String(1280 + (i % 7) * 160),
    sh: String(720 + (i % 5) * 90),
    saw: '1920',
    sah: '1040',
    vw: String(1200 + (i % 300)),
    vh: String(650 + (i % 200)),
    cd: '24',
    pd: pick(['1', '1.25', '2', '3']),
    tz: pick(zones),
    tzo: String(-300 + (i % 5) * 60),
    ts: String(1764000000000 + i),
    lang: pick(['en-US', 'fr-FR', 'de-DE', 'ja-JP']),
    langs: 'en-US,en,fr',
    plt: pick(['Win32', 'MacIntel', 'iPhone', 'Linux x86_64']),
    vnd: 'Google Inc.',
    ua: pick(uas),
    cores: String(2 + (i % 15)),
    mem: pick(['4', '8', '16']),
    gpu: pick(gpus),
    gpuVendor: 'Google Inc. (NVIDIA)',
    canvasFP: hex(i, 64),
    webglFP: hex(i + 1, 64),
    audioFP: `124.04347${i % 1000}`,
    audioHash: hex(i + 2, 32),
    fonts,
    webglExt,
    mathFP: hex(i + 3, 40),
    errFP: hex(i + 4, 40),
    botScore: String(i % 20),
    anomalyScore: String(i % 9),
    mouseMoves: String(i % 400),
    mouseEntropy: String((i % 100) / 10),
    scrollDepth: String(i % 100),
    url: `https://www.thetriviaquest.example/quiz/${i % 50}?utm_source=newsletter&utm_medium=email&utm_campaign=fall`,
    ref: 'https://www.google.com/',
    title: 'The Trivia Quest — Daily Quiz: Geography, History and Science Questions',
    _cp_email: i % 3 === 0 ? `Player${i}@Example.com ` : '',
    _cp_hid: i % 5 === 0 ? hex(i + 5, 64) : '',
  });
  for (let k = 0; k < 60; k++) p.set(`f${k}`, String((i * 31 + k) % 997));
  p.set('pad', hex(i + 6, 900));
  return p.toString();
}
