/**
 * A real headless Chromium (Debian's `chromium`; `.ci/run` installs it) driven by playwright-core, for the
 * dashboard tests. `--no-sandbox` because the tests run as root. Collects console errors and page errors.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
}

/** A new page whose console errors/warnings and uncaught errors are collected in `problems`. */
export async function watchedPage(browser: Browser): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  return { page, problems };
}

/** The little of the DOM the functions evaluated in the page use (this program's lib has no DOM). */
interface El {
  textContent: string | null;
  classList: { contains(c: string): boolean };
  querySelector(sel: string): El | null;
}
interface PageGlobals {
  document: { querySelector(sel: string): El | null; querySelectorAll(sel: string): Iterable<El> };
}

/** Resolves once the page shows an update id above `u` (awaited in the page, on every animation frame). */
export async function updateIdAbove(page: Page, u: number): Promise<void> {
  await page.waitForFunction(
    (above) => {
      const doc = (globalThis as unknown as PageGlobals).document;
      return Number(doc.querySelector('#stats dd[data-key="updateId"]')?.textContent) > above;
    },
    u,
    { polling: 'raf' },
  );
}

export interface LadderSnapshot {
  state: string;
  updateId: string;
  /** Best first, as displayed. */
  bids: Array<[string, string]>;
  asks: Array<[string, string]>;
  untrusted: boolean;
}

/** The focused book's ladder and status as the DOM shows them, read in one go (one rendered frame). */
export function readLadder(page: Page): Promise<LadderSnapshot> {
  return page.evaluate(() => {
    const document = (globalThis as unknown as PageGlobals).document;
    const text = (sel: string): string => document.querySelector(sel)?.textContent ?? '';
    const rows = (side: string): Array<[string, string]> =>
      [...document.querySelectorAll(`#ladder tr.${side}:not(.empty)`)].map((tr) => [
        tr.querySelector('.price')?.textContent ?? '',
        tr.querySelector('.size')?.textContent ?? '',
      ]);
    return {
      state: text('#stats dd[data-key="state"]'),
      updateId: text('#stats dd[data-key="updateId"]'),
      bids: rows('bid'),
      asks: rows('ask').reverse(),
      untrusted: document.querySelector('#ladder')?.classList.contains('untrusted') ?? true,
    };
  });
}
