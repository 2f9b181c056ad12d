/** The fault matrix, column `okx` (rows and cells: ./matrix.json; runner: ./runner.ts). */
import { defineMatrix } from './runner.js';

defineMatrix('okx');
