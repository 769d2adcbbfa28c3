terraform {
  # Provider-defined functions (provider::aml::fqdn_preset) need 1.8; `terraform test` with
  # mock providers and expect_failures is used by the tests.
  required_version = ">= 1.8"

  required_providers {
    aml = {
      source  = "secure-ml/aml"
      version = ">= 0.1"
    }
  }
}
