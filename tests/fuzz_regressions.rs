//! Replays every fuzz seed and every input a fuzzer ever crashed on (`fuzz/seeds/<target>/`,
//! `fuzz/regressions/<target>/`) through the same entry points the fuzz targets call, so a
//! fixed crash stays fixed and `cargo test` needs no fuzzer. Also checks that the seeds reach
//! past the parsers (a seed that no longer decodes would fuzz nothing).

#![cfg(not(target_arch = "wasm32"))]

use std::fs;
use std::path::Path;

use crm_wasm::fuzzing;

type Target = fn(&[u8]);
const TARGETS: [(&str, Target); 4] = [
    ("server_json", fuzzing::server_json),
    ("live_frames", fuzzing::live_frames),
    ("local_eval", fuzzing::local_eval),
    ("offline_merge", fuzzing::offline_merge),
];

fn inputs(dir: &str, target: &str) -> Vec<(String, Vec<u8>)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(dir)
        .join(target);
    let Ok(entries) = fs::read_dir(&path) else {
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<u8>)> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file() && e.file_name() != ".gitkeep")
        .map(|e| (e.path().display().to_string(), fs::read(e.path()).unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn every_seed_and_regression_runs_without_panicking() {
    let mut ran = 0;
    for (target, run) in TARGETS {
        for (name, data) in inputs("seeds", target)
            .into_iter()
            .chain(inputs("regressions", target))
        {
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(outcome.is_ok(), "{target} panicked on {name}");
            ran += 1;
        }
    }
    assert!(ran >= 10, "only {ran} inputs found: are the seeds there?");
}

#[test]
fn seeds_decode_so_the_fuzzers_start_deep() {
    use crm_wasm::models::Deal;
    use crm_wasm::query::Query;
    let find =
        fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/server_json/find-deals"))
            .unwrap();
    let value =
        crm_wasm::rest::decode_response(200, std::str::from_utf8(&find[1..]).unwrap()).unwrap();
    let deals = crm_wasm::rest::decode_results::<Deal>(value).unwrap();
    assert_eq!(deals.len(), 1);
    for (target, _) in &TARGETS[2..] {
        for (name, data) in inputs("seeds", target) {
            let v: serde_json::Value =
                serde_json::from_slice(&data).unwrap_or_else(|e| panic!("{name}: {e}"));
            if *target == "local_eval" {
                serde_json::from_value::<Query>(v["query"].clone())
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
    }
}
