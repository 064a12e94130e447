import type { Migration } from '@keel/core';

/**
 * The table of `@keel/templates`, applied by core's migrator under the scope `keel-templates:<table>`.
 * One row per version of a template in a locale; versions of a (name, locale) count up from 1 and
 * are never changed, so a version's compiled form can be cached for the life of the process.
 */
export function templatesMigrations(table: string): Migration[] {
  return [
    {
      version: 1,
      name: 'create template versions',
      up: `CREATE TABLE ${table} (
  name VARCHAR(200) NOT NULL,
  locale VARCHAR(35) NOT NULL,
  version INTEGER NOT NULL,
  subject TEXT NOT NULL,
  mjml TEXT NOT NULL,
  text_part TEXT,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (name, locale, version)
)`,
      down: `DROP TABLE ${table}`,
    },
  ];
}
