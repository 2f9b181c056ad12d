/** The fault matrix, column `coinbase-exchange` (rows and cells: ./matrix.json; runner: ./runner.ts). */
import { defineMatrix } from './runner.js';

defineMatrix('coinbase-exchange');
