// Debian's chromium driven by playwright-core, for the page tests (skipped where it is missing).
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext } from "playwright-core";

export const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** A browser context that reaches only `origin`, as a machine without internet: every other request is refused and listed. */
export async function offlineContext(browser: Browser, origin: string): Promise<{ context: BrowserContext; refused: string[] }> {
  const context = await browser.newContext();
  const refused: string[] = [];
  await context.route("**/*", (route) => {
    if (route.request().url().startsWith(origin)) return route.continue();
    refused.push(route.request().url());
    return route.abort("internetdisconnected");
  });
  return { context, refused };
}

/** Where a page test writes its screenshots, for a person to look at: test-results/screenshots/<page>/ (created). */
export function screenshotDir(page: string): string {
  const dir = path.resolve(import.meta.dirname, "../../test-results/screenshots", page);
  mkdirSync(dir, { recursive: true });
  return dir;
}
