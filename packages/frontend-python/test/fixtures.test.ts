import { runFixtures } from './run-fixtures.js';

runFixtures(import.meta.dirname);
