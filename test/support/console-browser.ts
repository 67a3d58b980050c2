/**
 * A real browser for the console tests: Debian's Chromium (`apt-get install chromium`; .ci/run
 * installs it when missing), driven by playwright-core, which brings no browser of its own.
 */
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Whether the browser is installed; without it, the browser tests are skipped with a warning (CI installs it, so there they always run). */
export const hasChromium = fs.existsSync(CHROMIUM_PATH);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // --no-sandbox: CI and the test machines run as root, where Chromium's sandbox refuses to start.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
