/** A download whose whole document is not the provider's format (truncated JSON, an HTML error page, ...). */
export class FormatError extends Error {
  override name = 'FormatError';
}
