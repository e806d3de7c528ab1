// Debian's Chromium (never a downloaded browser), headless, as the portal's tests and benchmark drive it.
import { chromium, type Browser } from "playwright-core";

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: process.env.OPSDECK_CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
