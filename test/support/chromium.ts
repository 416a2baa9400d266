// Headless Chromium from Debian, driven by playwright-core (never a downloaded browser). Every
// request the page makes is recorded, and any that would leave 127.0.0.1 is aborted and reported.
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install it with apt-get update && apt-get install -y chromium`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

/** A page whose requests are recorded; `offMachine` lists every one aimed anywhere but 127.0.0.1. */
export async function recordedPage(
  browser: Browser,
): Promise<{ page: Page; requests: string[]; offMachine: string[] }> {
  const page = await browser.newPage();
  const requests: string[] = [];
  const offMachine: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    requests.push(url);
    if (/^(data|blob|about):/.test(url) || new URL(url).hostname === '127.0.0.1') return route.continue();
    offMachine.push(url);
    return route.abort();
  });
  return { page, requests, offMachine };
}
