// The local-store-vs-Dexie section of BENCHMARKS.md, from bench/local's results.
const ms = (x) => (x >= 100 ? `${x.toFixed(0)} ms` : x >= 1 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`);

export function localSection({ rows, memory }, { quick = false } = {}) {
  let md = `\n## Local store against Dexie 4 (the local store issue's rows)\n\n`;
  md += `crm-wasm's IndexedDB local store (\`LocalStore\`: \`pinAll\`, local queries through its query planner)\n`;
  md += `and Dexie ${'4'} at its idiomatic best (indexes \`[stage+expectedCloseDate]\` and \`company.objectId\`,\n`;
  md += `\`bulkPut\`, \`where(...).between(...).limit(...)\`, \`count()\`) in the same Chromium page, same deals, same run,\n`;
  md += `alternating; both answers checked to be the same ids in the same order. Disk IndexedDB, medians.\n`;
  md += `Ratio = Dexie time / crm-wasm time: above 1 means crm-wasm is faster.${quick ? ' Quick run (10k only, few samples).' : ''}\n\n`;
  md += `| row | crm-wasm | Dexie | ratio | target |\n|---|---:|---:|---:|---|\n`;
  for (const r of rows) {
    const target = r.op.includes('five indexes') ? '— (for scale)' : r.op.startsWith('store') ? '≥ 1x' : 'well ahead';
    md += `| ${r.op} | ${ms(r.oursMs)} | ${ms(r.dexieMs)} | ${r.ratio.toFixed(2)}x | ${target} |\n`;
  }
  md += `\nwasm linear memory over the whole run (pinning and querying ${quick ? '10k' : '10k, then 100k'} deals): ${memory.before.toFixed(1)} MiB before, ${memory.after.toFixed(1)} MiB after, grew ${memory.grewMiB.toFixed(1)} MiB (target: at most 32 MiB).\n`;
  return md;
}

/** The IndexedDB floor under those rows (bench/idb-floor): plain `put`s and one `getAll`, no
 * library, for each record shape. */
export function floorSection(results) {
  // Older result files hold the rows alone.
  const { rows, singles = [] } = Array.isArray(results) ? { rows: results } : results;
  let md = `\n### What IndexedDB itself costs (\`node bench/run.mjs idb-floor\`)\n\n`;
  md += `The same 10k deals written with plain \`put\`s in one transaction, and the first 50 won deals by\n`;
  md += `close date read with one \`getAll\` (parsed where the shape holds JSON text; for blocks, the reads the row names): no wasm, no Dexie,\n`;
  md += `each shape in its own database, in turn, medians. No code on top of a shape can be faster than this.\n\n`;
  md += `| record shape | put 10k | getAll 50 |\n|---|---:|---:|\n`;
  for (const r of rows) md += `| ${r.shape} | ${ms(r.putMs)} | ${r.readMs === null ? '—' : ms(r.readMs)} |\n`;
  if (singles.length) {
    md += `\nOne deal stored again with 10k stored (the app's daily write), in the same page, taking turns, medians of 200:\n\n`;
    md += `| write | time |\n|---|---:|\n`;
    for (const r of singles) md += `| ${r.shape} | ${ms(r.ms)} |\n`;
  }
  return md;
}
