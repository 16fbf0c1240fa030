/** Cuts a string to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function cutUtf8(text: string, maxBytes: number): string {
  if (text.length <= maxBytes / 3 || Buffer.byteLength(text) <= maxBytes) return text;
  const bytes = Buffer.from(text).subarray(0, maxBytes);
  // A character cut in two decodes as one U+FFFD at the end: it goes too.
  return bytes.toString('utf8').replace(/\uFFFD$/, '');
}
