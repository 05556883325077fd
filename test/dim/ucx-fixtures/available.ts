/**
 * Whether the UCX tests can run: the addon must be built. Outside CI a
 * missing addon skips them with a note; under CI=true it never skips, so
 * the tests fail with UcxUnavailableError instead.
 */
import { isUcxAvailable } from '../../../src/dim/index.js';

import { UCX_LOOPBACK_ENV } from '../fixtures/peer-process.js';

// UCX reads these when it starts (on first use), so set them before.
Object.assign(process.env, UCX_LOOPBACK_ENV);

export const ucxSkip: string | false =
  isUcxAvailable() || process.env['CI'] === 'true'
    ? false
    : 'the UCX addon is not built (apt-get install libucx-dev; node scripts/build-ucx.mjs)';
