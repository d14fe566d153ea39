#![no_main]
//! See crm_core::fuzzing::live_frames.
libfuzzer_sys::fuzz_target!(|data: &[u8]| crm_core::fuzzing::live_frames(data));
