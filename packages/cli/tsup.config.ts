import { cpSync } from 'node:fs';
import { packageBuild } from '../../tsup.package.js';

// The published package carries the keel:infrastructure WIT (the repository's wit/, the one
// source) for the worlds `keel component init` and `build` write.
export default packageBuild({
  entry: { index: 'src/index.ts', bin: 'src/bin.ts' },
  onSuccess: async () => cpSync('../../wit', 'wit', { recursive: true }),
});
