// What every bench page shares: a line logged to the console (which the runner echoes) and to
// the page, and the end the runner (bench/harness.mjs) waits for: window.benchDone, with
// window.benchResults set by the page's main, or window.benchError.
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
