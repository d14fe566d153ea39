#![no_main]
//! See crm_wasm::fuzzing::local_eval.
libfuzzer_sys::fuzz_target!(|data: &[u8]| crm_wasm::fuzzing::local_eval(data));
