/**
 * The dashboard in a real browser (headless Chromium) against `tickwire serve` run as a user runs it (the built CLI
 * in a child process, port 0):
 * - with `--sim`: the page loads with no console error, picks a market, shows a live book; a screenshot is taken
 *   (`TICKWIRE_DASHBOARD_PNG=docs/dashboard.png` writes the README's one);
 * - with `--token` and the test's own simulator as the exchange (`--endpoint`): the ladder read from the DOM equals
 *   the simulator's true book at the update id the page shows, and after a fault (a dropped diff, with the REST
 *   snapshot slowed so the resync lasts) the page shows `resyncing` within a second, marks the book untrustworthy,
 *   and is back to the true book once live; a burst of diffs is drawn in far fewer frames than messages and ends on
 *   the true book; when the server goes away the book is marked untrustworthy.
 */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { runCli, serveUrl, type CliRun } from '../helpers/cli.js';
import { launchChromium, readLadder, updateIdAbove, watchedPage, type LadderSnapshot } from '../helpers/browser.js';
import { startSim, type Simulator } from '../../src/sim/index.js';

const TOKEN = 'dashboard-test-token';
const DEPTH = 12;
let browser: Browser;
let run: CliRun | undefined;
let sim: Simulator | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  if (run && run.child.exitCode === null) {
    run.child.kill('SIGTERM');
    await run.exit;
  }
  run = undefined;
  await sim?.close();
  sim = undefined;
});

/** The same decimal value written without trailing zeros (the page aligns decimals; the wire pads them). */
const norm = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
const normLevels = (levels: ReadonlyArray<readonly [string, string]>): string[][] => levels.map(([p, q]) => [norm(p), norm(q)]);

/** The DOM's ladder equals the simulator's book at the update id the page shows (best levels, both sides). */
function expectTrueLadder(shown: LadderSnapshot, s: Simulator): void {
  expect(shown.state).toBe('live');
  const id = Number(shown.updateId);
  const truth = s.trueBookAt('binance', 'BTC/USDT', id);
  expect(truth, `true book at ${id}`).toBeDefined();
  expect(shown.bids).toHaveLength(DEPTH);
  expect(shown.asks).toHaveLength(DEPTH);
  expect(normLevels(shown.bids)).toEqual(normLevels(truth!.bids.slice(0, DEPTH)));
  expect(normLevels(shown.asks)).toEqual(normLevels(truth!.asks.slice(0, DEPTH)));
}

describe('dashboard (GET /) in Chromium', () => {
  it('serve --sim: loads with no console error, shows a live book, and is screenshotted', { timeout: 120_000 }, async () => {
    run = runCli(['serve', '--sim', '--port', '0', '--log-level', 'warn']);
    const http = (await serveUrl(run)).replace('ws:', 'http:');
    const { page, problems } = await watchedPage(browser);
    await page.goto(`${http}/`);
    // the first offered market is picked; its book goes live and trades arrive
    await page.waitForSelector('#stats dd[data-key="state"].state-live', { timeout: 15_000 });
    await page.waitForSelector('.trades tbody tr', { timeout: 15_000 });
    const shown = await readLadder(page);
    expect(shown.untrusted).toBe(false);
    expect(shown.bids).toHaveLength(DEPTH);
    expect(Number(shown.bids[0]![0])).toBeLessThan(Number(shown.asks[0]![0]));
    expect(await page.locator('#offered-list button').count()).toBeGreaterThan(1);
    // picking another market from the server's list: its card, its own live book
    await page.click('#offered-list button[data-market="binance-futures:ETH/USDT"]');
    await page.waitForFunction(() => (globalThis as unknown as { document: { title: string; querySelector(s: string): { textContent: string | null } | null } }).document.querySelector('#market-name')?.textContent === 'binance-futures:ETH/USDT');
    await page.waitForSelector('#stats dd[data-key="state"].state-live', { timeout: 15_000 });
    expect(await page.locator('#markets li').count()).toBe(2);
    await page.click('#markets li[data-market="binance:BTC/USDT"]');
    await page.waitForSelector('#stats dd[data-key="state"].state-live');
    expect(await page.locator('#depth canvas').count()).toBe(1);
    const file = process.env['TICKWIRE_DASHBOARD_PNG'] ?? join(mkdtempSync(join(tmpdir(), 'tw-dash-')), 'dashboard.png');
    await page.screenshot({ path: file });
    expect(statSync(file).size).toBeGreaterThan(20_000);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('--token: the ladder equals the exchange simulator’s true book; a fault shows resyncing within a second', { timeout: 120_000 }, async () => {
    sim = await startSim({ exchanges: ['binance'], seed: 7, intervalMs: 20, tradeIntervalMs: 100 });
    const ep = sim.endpoints.binance!;
    run = runCli([
      'serve', 'binance:BTC/USDT', '--port', '0', '--token', TOKEN, '--log-level', 'warn',
      '--endpoint', `binance=${ep.ws},${ep.rest}`,
    ]);
    const http = (await serveUrl(run)).replace('ws:', 'http:');
    const { page, problems } = await watchedPage(browser);
    const socketUrls: string[] = [];
    page.on('websocket', (ws) => socketUrls.push(ws.url()));
    await page.goto(`${http}/#token=${TOKEN}`);
    await page.waitForSelector('#stats dd[data-key="state"].state-live', { timeout: 15_000 });
    // the token rides in the subprotocol, never in a URL (logs, history)
    expect(socketUrls.length).toBeGreaterThan(0);
    for (const u of socketUrls) expect(u).not.toContain(TOKEN);
    await page.waitForSelector(`#ladder tr.bid:nth-child(${2 * DEPTH + 1}):not(.empty)`); // the 12th bid row (after 12 asks and the spread)
    for (let i = 0; i < 3; i++) {
      const before = Number((await readLadder(page)).updateId);
      await updateIdAbove(page, before);
      expectTrueLadder(await readLadder(page), sim);
    }

    // a burst of diffs as fast as the sockets take them: the page redraws once per animation frame, far fewer times
    // than it gets messages, and ends on the true book
    await page.evaluate(() => {
      const g = globalThis as unknown as { renders: number; document: { querySelector(s: string): object | null }; MutationObserver: new (cb: () => void) => { observe(n: object, o: object): void } };
      g.renders = 0;
      new g.MutationObserver(() => g.renders++).observe(g.document.querySelector('#stats')!, { childList: true });
    });
    const burst = await sim.burst('binance', { symbols: ['BTC/USDT'], diffs: 5_000 });
    expect(burst).toBeDefined();
    const afterBurst = sim.trueBook('binance', 'BTC/USDT')!.updateId;
    await updateIdAbove(page, afterBurst - 1);
    await page.waitForSelector('#stats dd[data-key="state"].state-live');
    expectTrueLadder(await readLadder(page), sim);
    const renders = await page.evaluate(() => (globalThis as unknown as { renders: number }).renders);
    expect(renders).toBeGreaterThan(0);
    expect(renders).toBeLessThan(5_000 / 5);

    // a dropped diff is a gap: the book resyncs from a REST snapshot, slowed so that the resync lasts
    sim.fault('binance', { kind: 'rest-slow', delayMs: 2_000, count: 1 });
    sim.fault('binance', { kind: 'drop-diff', symbol: 'BTC/USDT' });
    await page.waitForSelector('#stats dd[data-key="state"].state-resyncing', { timeout: 1_000 });
    const during = await readLadder(page);
    expect(during.untrusted).toBe(true);
    expect(await page.locator('#book-banner').textContent()).toMatch(/resyncing: not trustworthy/);
    await page.waitForSelector('#stats dd[data-key="state"].state-live', { timeout: 15_000 });
    const before = Number((await readLadder(page)).updateId);
    await updateIdAbove(page, before);
    expectTrueLadder(await readLadder(page), sim);
    expect(await page.locator('#stats dd[data-key="reason"]').textContent()).not.toBe('—');
    expect(problems).toEqual([]);

    // without the token the page says so, and gets no data
    const anon = await browser.newPage();
    await anon.goto(`${http}/`);
    await anon.waitForSelector('#notice:not([hidden])');
    expect(await anon.locator('#notice').textContent()).toMatch(/unauthorized/);
    expect(await anon.locator('#markets li').count()).toBe(0);
    await anon.close();

    // the server going away: the book is no longer shown as trustworthy
    run!.child.kill('SIGTERM');
    await page.waitForSelector('#stats dd[data-key="state"].state-disconnected');
    expect((await readLadder(page)).untrusted).toBe(true);
    await page.close();
  });
});
