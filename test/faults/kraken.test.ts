/** The fault matrix, column `kraken` (rows and cells: ./matrix.json; runner: ./runner.ts). */
import { defineMatrix } from './runner.js';

defineMatrix('kraken');
