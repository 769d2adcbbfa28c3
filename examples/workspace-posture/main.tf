# Reads the network posture of the emulator's seeded workspace and the inputs a secure-workspace
# module needs, with credentials only from the ARM_* variables the emulator prints.
terraform {
  required_providers {
    aml = { source = "secure-ml/aml" }
  }
}

data "aml_workspace" "demo" {
  name                = "mlw-demo"
  resource_group_name = "rg-aml-demo"
}

data "aml_private_dns_zone_names" "zones" {}

output "public_network_access" {
  value = data.aml_workspace.demo.public_network_access
}

output "isolation_mode" {
  value = data.aml_workspace.demo.managed_network.isolation_mode
}

output "private_dns_zones" {
  value = data.aml_private_dns_zone_names.zones.names
}

output "python_fqdns" {
  value = provider::aml::fqdn_preset("python_packages")
}
