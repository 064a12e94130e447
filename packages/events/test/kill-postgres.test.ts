import { describeKills } from './support/kill-cases.js';
import { testDatabases } from './support/databases.js';

const [, postgres] = await testDatabases();
if (postgres) describeKills(postgres);
