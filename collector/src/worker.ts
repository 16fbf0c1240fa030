/**
 * The collector's worker (built into the script as a string by scripts/build-collector.ts, started by
 * collector/src/offThread.ts): the measurements that cost the page most on its main thread, taken here
 * instead. It posts the keys it measured, once, and stops.
 */
import { localeKeys } from './locale';
import { type Data, type Loose, safe } from './util';
import { webglPrint } from './webgl';

const d: Data = {};
safe(() => localeKeys(d), undefined);
safe(() => webglPrint(d, new OffscreenCanvas(1, 1)), undefined);
(self as Loose).postMessage(d);
close();
