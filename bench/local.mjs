// crm-wasm's local store against Dexie 4 alone (bench/local), printing the BENCHMARKS.md
// section; bench/compare.mjs runs the same page as part of the whole benchmark.
//   node bench/local.mjs "server=http://127.0.0.1:1437/parse" [--quick]
import { serveRepo, launchChromium, runBenchPage } from './harness.mjs';
import { localSection } from './local/report.mjs';

const args = process.argv.slice(2);
const query = args.find((a) => a.startsWith('server=')) || 'server=http://127.0.0.1:1437/parse';
const quick = args.includes('--quick');
const site = await serveRepo();
const browser = await launchChromium();
try {
  const { results } = await runBenchPage(browser, `${site.origin}/bench/local/index.html?${query}${quick ? '&quick=1' : ''}`);
  console.log(localSection(results, { quick }));
} finally {
  await browser.close();
  site.close();
}
