/** Time zone, locale and formatting samples. Runs in a worker or a page: it reads only Intl. */
import { type Data, put, safe } from './util';

export function localeKeys(d: Data): void {
  // One formatter for the zone, locale and date sample: each new Intl object loads locale data.
  const dtf = safe(() => Intl.DateTimeFormat(), undefined);
  const opts = safe(
    () => (dtf as Intl.DateTimeFormat).resolvedOptions(),
    {} as Intl.ResolvedDateTimeFormatOptions,
  );
  put(d, 'tz', () => opts.timeZone);
  put(d, 'tzLocale', () =>
    [opts.locale, opts.calendar, opts.numberingSystem, (opts as { hourCycle?: string }).hourCycle].join('|'),
  );
  put(d, 'dateFormat', () => dtf?.format(new Date(2024, 0, 15)));
  put(d, 'numberFormat', () => Intl.NumberFormat().format(1234567.89));
  put(d, 'relativeTime', () => new Intl.RelativeTimeFormat().format(-1, 'day'));
}
