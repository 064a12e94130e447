import { packageBuild } from '../../tsup.package.js';

export default packageBuild({
  entry: { index: 'src/index.ts', tracing: 'src/tracing.ts', 'messaging-child': 'src/messaging-child.ts' },
  external: ['vitest', 'fast-check', /^@opentelemetry\//],
});
