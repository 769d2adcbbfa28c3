# The zones a workspace private endpoint needs, for the provider's cloud.
data "aml_private_dns_zone_names" "this" {}

# Or for another cloud.
data "aml_private_dns_zone_names" "gov" {
  environment = "usgovernment"
}

output "zones" {
  value = data.aml_private_dns_zone_names.this.names
}
