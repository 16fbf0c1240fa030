/** The last-resort log of a message no queue and no spill took must give its body back whole (src/queue/failedMessageLog.ts). */
import { describe, expect, it } from 'vitest';
import { failedMessageLogLines } from '../src/queue/failedMessageLog.js';
import { MAX_QUEUE_MESSAGE_CHARS } from '../src/queue/hitMessage.js';

/** Application Insights cuts a trace's message beyond this many characters. */
const TRACE_MESSAGE_LIMIT = 32_768;

describe('failedMessageLogLines', () => {
  it('logs the largest message in lines Application Insights keeps whole, which join back into the body', () => {
    const body = `SPX2.${'Ab9+/'.repeat(MAX_QUEUE_MESSAGE_CHARS / 5)}`.slice(0, MAX_QUEUE_MESSAGE_CHARS);
    const lines = failedMessageLogLines(
      { queue: 'pixel-hits', hits: 500, error: 'x'.repeat(5000), body },
      'b1',
    );
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(TRACE_MESSAGE_LIMIT);
    const parsed = lines.map(
      (l) => JSON.parse(l) as { bodyId: string; part: number; parts: number; messageBody: string },
    );
    expect(parsed.every((p) => p.bodyId === 'b1' && p.parts === lines.length)).toBe(true);
    expect(parsed.map((p) => p.part)).toEqual(lines.map((_, i) => i + 1));
    expect(parsed.map((p) => p.messageBody).join('')).toBe(body);
  });

  it('logs a small message in one line', () => {
    const [line, more] = failedMessageLogLines({ queue: 'q', hits: 1, error: 'down', body: 'SPX2.abc' });
    expect(more).toBeUndefined();
    expect(JSON.parse(line ?? '{}')).toMatchObject({
      event: 'enqueue.failed',
      part: 1,
      parts: 1,
      messageBody: 'SPX2.abc',
    });
  });
});
