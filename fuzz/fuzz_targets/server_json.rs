#![no_main]
//! See crm_core::fuzzing::server_json.
libfuzzer_sys::fuzz_target!(|data: &[u8]| crm_core::fuzzing::server_json(data));
