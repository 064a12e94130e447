import { describeKills } from './support/kill-cases.js';
import { testDatabases } from './support/databases.js';

const [sqlite] = await testDatabases();
if (sqlite) describeKills(sqlite);
