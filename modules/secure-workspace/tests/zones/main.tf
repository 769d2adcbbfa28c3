# A helper for given_zones.tftest.hcl: the private DNS zones a central network team owns, in
# their own resource group, linked to the hub VNet.

terraform {
  required_providers {
    aml = { source = "secure-ml/aml" }
  }
}

variable "resource_group_name" {
  type = string
}

variable "virtual_network_id" {
  type = string
}

data "aml_private_dns_zone_names" "this" {}

resource "aml_private_dns_zone" "this" {
  for_each            = toset(data.aml_private_dns_zone_names.this.names)
  name                = each.value
  resource_group_name = var.resource_group_name
}

resource "aml_private_dns_zone_virtual_network_link" "this" {
  for_each            = aml_private_dns_zone.this
  name                = "central-hub"
  private_dns_zone_id = each.value.id
  virtual_network_id  = var.virtual_network_id
}

output "zone_ids" {
  value = { for n, z in aml_private_dns_zone.this : n => z.id }
}
