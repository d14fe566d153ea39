#![no_main]
//! See crm_core::fuzzing::local_eval.
libfuzzer_sys::fuzz_target!(|data: &[u8]| crm_core::fuzzing::local_eval(data));
