import { packageBuild } from '../../tsup.package.js';

// The OpenFeature provider has its own entry: only apps that use it need @openfeature/server-sdk.
export default packageBuild({ entry: { index: 'src/index.ts', openfeature: 'src/openfeature.ts' } });
