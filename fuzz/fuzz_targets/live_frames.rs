#![no_main]
//! See crm_wasm::fuzzing::live_frames.
libfuzzer_sys::fuzz_target!(|data: &[u8]| crm_wasm::fuzzing::live_frames(data));
