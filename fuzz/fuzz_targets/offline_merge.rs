#![no_main]
//! See crm_core::fuzzing::offline_merge.
libfuzzer_sys::fuzz_target!(|data: &[u8]| crm_core::fuzzing::offline_merge(data));
