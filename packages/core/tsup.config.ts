import { packageBuild } from '../../tsup.package.js';

export default packageBuild({
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
  external: ['vitest', 'fast-check'],
});
