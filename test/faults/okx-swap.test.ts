/** The fault matrix, column `okx-swap` (rows and cells: ./matrix.json; runner: ./runner.ts). */
import { defineMatrix } from './runner.js';

defineMatrix('okx-swap');
