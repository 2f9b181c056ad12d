/** The fault matrix, column `bybit-linear` (rows and cells: ./matrix.json; runner: ./runner.ts). */
import { defineMatrix } from './runner.js';

defineMatrix('bybit-linear');
