#![no_main]
//! See crm_wasm::fuzzing::server_json.
libfuzzer_sys::fuzz_target!(|data: &[u8]| crm_wasm::fuzzing::server_json(data));
