import { packageBuild } from '../../tsup.package.js';

// Notifications have their own entry: only apps that use them need @keel/jobs.
export default packageBuild({ entry: { index: 'src/index.ts', notifications: 'src/notifications/index.ts' } });
