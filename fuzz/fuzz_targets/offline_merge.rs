#![no_main]
//! See crm_wasm::fuzzing::offline_merge.
libfuzzer_sys::fuzz_target!(|data: &[u8]| crm_wasm::fuzzing::offline_merge(data));
