import { createSqliteSql } from '@keel/adapter-sqlite';
import { describeBetterAuthConformance } from './support/conformance-cases.js';

describeBetterAuthConformance({
  name: 'SQLite',
  open: async () => {
    const sql = createSqliteSql({ filename: ':memory:' });
    return { sql, tablePrefix: 'ba_', dispose: async () => void (await sql.close()) };
  },
  cleanup: async () => {},
});
