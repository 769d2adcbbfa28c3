#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| terraform_provider_aml::fuzzing::arm_ids(data));
