/** OfflineAudioContext fingerprint, rendered twice to detect noise injection (as the original collector did). */
import { bit, type Data, hash, type Loose, win } from './util';

function render(): Promise<Float32Array | null> {
  const Ctx = win.OfflineAudioContext || win.webkitOfflineAudioContext;
  if (!Ctx) return Promise.resolve(null);
  const ctx = new Ctx(1, 5000, 44100) as OfflineAudioContext;
  const osc = ctx.createOscillator();
  osc.type = 'triangle';
  osc.frequency.value = 10000;
  const comp = ctx.createDynamicsCompressor();
  const set = (p: AudioParam | undefined, v: number) => {
    if (p) p.value = v;
  };
  set(comp.threshold, -50);
  set(comp.knee, 40);
  set(comp.ratio, 12);
  set(comp.attack, 0);
  set(comp.release, 0.25);
  osc.connect(comp);
  comp.connect(ctx.destination);
  osc.start(0);
  return new Promise((resolve) => {
    const done = (buffer: AudioBuffer | undefined) => resolve(buffer ? buffer.getChannelData(0) : null);
    const p = ctx.startRendering() as Loose;
    if (p?.then) p.then(done, () => resolve(null));
    else ctx.oncomplete = (e) => done(e.renderedBuffer);
  });
}

const sum = (s: Float32Array) => {
  let total = 0;
  for (let i = 4500; i < 5000; i++) total += Math.abs(s[i] as number);
  return total;
};

export interface AudioResult {
  noise: boolean;
}

/** Resolves when both renders are in (or failed); the caller waits for it before sending. */
export async function audioPrint(d: Data): Promise<AudioResult> {
  d.audioFP = 'error';
  d.audioHash = '';
  d.audioStable = 0;
  d.audioNoiseDetected = 0;
  try {
    const [a, b] = await Promise.all([render(), render()]);
    if (!a || !b) {
      d.audioFP = 'blocked';
      return { noise: false };
    }
    const first = sum(a);
    const second = sum(b);
    d.audioFP = first.toFixed(6);
    let samples = '';
    for (let i = 0; i < a.length; i += 100) samples += `${(a[i] as number).toFixed(4)},`;
    d.audioHash = hash(samples);
    const stable = first === second;
    d.audioStable = bit(stable);
    d.audioNoiseDetected = bit(!stable);
    return { noise: !stable };
  } catch {
    return { noise: false };
  }
}
