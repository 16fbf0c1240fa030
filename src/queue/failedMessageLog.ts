/**
 * The last-resort record of a message no queue and no spill took (src/runtime/services.ts): log lines that
 * Application Insights keeps whole. It cuts a trace's message at 32,768 characters, and a message body may be
 * twice that (MAX_QUEUE_MESSAGE_CHARS), so the body is logged in parts under that limit, each naming the body
 * and its place; joined in `part` order they give the body back for replay.
 */
import { randomUUID } from 'node:crypto';

/** Characters of the body a line carries: the rest of the line (names, error text) fits in what is left. */
const BODY_CHARS_PER_LINE = 24_000;

export interface FailedMessage {
  queue: string;
  hits: number;
  error: string;
  body: string;
}

export function failedMessageLogLines(message: FailedMessage, bodyId: string = randomUUID()): string[] {
  const parts = Math.max(1, Math.ceil(message.body.length / BODY_CHARS_PER_LINE));
  return Array.from({ length: parts }, (_, i) =>
    JSON.stringify({
      event: 'enqueue.failed',
      queue: message.queue,
      hits: message.hits,
      error: message.error.slice(0, 2000),
      bodyId,
      part: i + 1,
      parts,
      messageBody: message.body.slice(i * BODY_CHARS_PER_LINE, (i + 1) * BODY_CHARS_PER_LINE),
    }),
  );
}
