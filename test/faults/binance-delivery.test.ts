/** The fault matrix, column `binance-delivery` (rows and cells: ./matrix.json; runner: ./runner.ts). */
import { defineMatrix } from './runner.js';

defineMatrix('binance-delivery');
