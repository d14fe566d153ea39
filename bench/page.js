// What every bench page shares: a line logged to the console (which the runner echoes) and to
// the page, the median, a seeded generator for repeatable data, and the end the runner
// (bench/harness.mjs) waits for: window.benchDone, with window.benchResults set by the page's
// main, or window.benchError.
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A linear congruential generator: the same numbers in [0, 1) for the same seed, every run. */
export function lcg(seed) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
}

export function log(line) {
  console.log(line);
  document.getElementById('out').textContent += line + '\n';
}

export function runPage(main) {
  main()
    .catch((e) => {
      window.benchError = String(e && e.stack ? e.stack : e);
      log(`FAILED: ${window.benchError}`);
    })
    .finally(() => {
      window.benchDone = true;
    });
}
