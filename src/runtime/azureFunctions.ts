/**
 * Values of `@azure/functions`. The package is a CommonJS bundle whose named exports Node's ESM loader cannot
 * see, so values come through its default export; types are imported from the package directly.
 */
import functions from '@azure/functions';

export const { app, HttpRequest, InvocationContext } = functions;
