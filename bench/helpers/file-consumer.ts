/** Child process of bench/suites/file.ts: reads raw files or resolves proxies. */
import { readFileSync } from 'node:fs';

import { extract, reviveProxies } from '../../src/index.js';

process.on('message', (msg: { raw?: string; ref?: string }) => {
  try {
    if (msg.raw !== undefined) {
      process.send?.({ bytes: readFileSync(msg.raw).byteLength });
    } else if (msg.ref !== undefined) {
      const value = extract(JSON.parse(msg.ref, reviveProxies) as Uint8Array);
      process.send?.({ bytes: value.byteLength });
    }
  } catch (err) {
    process.send?.({ error: (err as Error).stack ?? String(err) });
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
