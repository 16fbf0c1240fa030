/**
 * Client params (PiXL.ConfigClientParam): each `[name, selector]` pair sends the value of the first element
 * matching the selector as `_cp_<name>`: an input's value, else its text.
 */
import { safe } from './util';

export type ClientParams = readonly (readonly [string, string])[];

export function readClientParams(params: ClientParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, selector] of params) {
    const value = safe(() => {
      const el = document.querySelector(selector) as HTMLInputElement | null;
      if (!el) return '';
      const v = 'value' in el && typeof el.value === 'string' ? el.value : el.textContent || '';
      return v.trim().slice(0, 500);
    }, '');
    if (value) out[`_cp_${name}`] = value;
  }
  return out;
}

/** Whether a submitted form holds one of the params' elements. */
export function formHoldsParam(form: EventTarget | null, params: ClientParams): boolean {
  return safe(
    () =>
      form instanceof HTMLFormElement &&
      params.some(([, selector]) => {
        const el = document.querySelector(selector);
        return !!el && form.contains(el);
      }),
    false,
  );
}
