import { describeLocalAuthConformance } from './support/conformance-cases.js';
import { sqliteStores } from './support/stores.js';

describeLocalAuthConformance(sqliteStores);
