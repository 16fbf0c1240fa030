/** Mouse and scroll behaviour until the hit is sent (passive listeners, at most 50 moves kept). */
import type { Data } from './util';

interface Move {
  x: number;
  y: number;
  t: number;
}

const cv = (values: number[]) => {
  if (values.length < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (!mean) return 0;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return Math.sqrt(variance) / mean;
};

export interface Behaviour {
  /** Writes the behaviour keys; returns the flags that count towards the anomaly score. */
  write(d: Data): string[];
  stop(): void;
}

export function watchBehaviour(): Behaviour {
  const moves: Move[] = [];
  let scrolled = false;
  const opts = { passive: true, capture: true } as AddEventListenerOptions;
  const onMove = (e: MouseEvent) => {
    if (moves.length < 50) moves.push({ x: e.clientX, y: e.clientY, t: e.timeStamp });
  };
  const onScroll = () => {
    scrolled = true;
  };
  addEventListener('mousemove', onMove, opts);
  addEventListener('scroll', onScroll, opts);
  return {
    stop() {
      removeEventListener('mousemove', onMove, opts);
      removeEventListener('scroll', onScroll, opts);
    },
    write(d) {
      const flags: string[] = [];
      const n = moves.length;
      const angles: number[] = [];
      const gaps: number[] = [];
      const speeds: number[] = [];
      for (let i = 1; i < n; i++) {
        const a = moves[i - 1] as Move;
        const b = moves[i] as Move;
        const dt = b.t - a.t;
        angles.push(Math.atan2(b.y - a.y, b.x - a.x));
        gaps.push(dt);
        if (dt > 0) speeds.push(Math.hypot(b.x - a.x, b.y - a.y) / dt);
      }
      let entropy = 0;
      if (n >= 5) {
        const mean = angles.reduce((x, y) => x + y, 0) / angles.length;
        entropy = angles.reduce((x, y) => x + (y - mean) ** 2, 0) / angles.length;
      }
      const timing = cv(gaps);
      const speed = cv(speeds);
      const y = Math.round(scrollY || 0);
      d.mouseMoves = n;
      d.scrolled = scrolled ? 1 : 0;
      d.scrollY = y;
      d.mouseEntropy = Math.round(entropy * 1000);
      d.scrollContradiction = scrolled && y === 0 ? 1 : 0;
      d.moveTimingCV = Math.round(timing * 1000);
      d.moveSpeedCV = Math.round(speed * 1000);
      d.moveCountBucket = n < 5 ? 'low' : n < 20 ? 'mid' : n < 50 ? 'high' : 'very-high';
      // Uniform timing or speed over enough moves is a scripted mouse.
      if (n >= 5 && timing < 0.3) flags.push('uniform-timing');
      if (n >= 5 && speed < 0.2) flags.push('uniform-speed');
      d.behavioralFlags = flags.join(',');
      if (d.scrollContradiction) flags.push('scroll-no-depth');
      return flags;
    },
  };
}
