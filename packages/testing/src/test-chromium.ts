import { existsSync } from 'node:fs';

/**
 * The flags this closed network needs: without the background-networking ones Chromium keeps
 * trying to reach Google's hosts.
 */
const args = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/**
 * Debian's Chromium for a browser test (playwright-core's `executablePath` and `args`): `runs` is
 * false, with a written reason, when there is none — unless `CI=true`, when the test runs and
 * `check()` fails it instead of skipping.
 *
 * @example
 * const browser = testChromium('dashboard browser test');
 * describe.runIf(browser.runs)('the dashboard', () => {
 *   beforeAll(() => browser.check());
 *   // chromium.launch({ executablePath: browser.executablePath, args: [...browser.args] })
 * });
 */
export function testChromium(what: string) {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const present = existsSync(executablePath);
  const inCi = process.env.CI === 'true';
  if (!present && !inCi)
    console.warn(
      `${what} skipped: no Chromium at ${executablePath} (apt-get install -y chromium, or set CHROMIUM_PATH); with CI=true it fails instead`,
    );
  return {
    executablePath,
    args: [...args],
    present,
    runs: present || inCi,
    /** Throws when the test runs without a Chromium (CI=true). */
    check(): void {
      if (!present) throw new Error(`CI=true and no Chromium at ${executablePath}: apt-get install -y chromium`);
    },
  };
}
