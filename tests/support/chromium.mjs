// Debian's headless Chromium through playwright-core, with the flags this machine's closed
// network needs (no background requests to Google's hosts). For the e2e, robustness and
// benchmark runs alike.
import { chromium } from 'playwright-core';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchBrowser() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ARGS });
}
