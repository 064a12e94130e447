import { packageBuild } from '../../tsup.package.js';

export default packageBuild({ entry: { index: 'src/index.ts', adapter: 'src/adapter.ts' } });
