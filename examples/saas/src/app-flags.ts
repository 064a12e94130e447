import type { Kv } from '@keel/core';
import { createFlags, type Flags } from '@keel/flags';

/**
 * The app's flags, on its kv: declared here, changed at run time by an admin (`PUT
 * /api/admin/flags`) for every process of the app within a second.
 *
 * - `signups` — the kill switch for new accounts: off, sign-up answers 503 `SIGNUPS_CLOSED`
 *   (logging in still works).
 */
export function createAppFlags(kv: Kv): Flags {
  return createFlags(kv, {
    prefix: 'saas:flags:',
    flags: {
      signups: { type: 'boolean', default: true, description: 'New accounts may sign up.' },
    },
    onError: (e) => console.error('[saas] flags', e),
  });
}
