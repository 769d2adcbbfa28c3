#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| aml_arm_emulator::fuzzing::route(data));
