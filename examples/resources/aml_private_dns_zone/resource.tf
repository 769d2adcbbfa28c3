# The two zones a workspace private endpoint needs, named for the provider's cloud.
data "aml_private_dns_zone_names" "this" {}

resource "aml_private_dns_zone" "aml" {
  for_each            = toset(data.aml_private_dns_zone_names.this.names)
  name                = each.value
  resource_group_name = "rg-aml-demo"
  tags = {
    purpose = "aml-private-link"
  }
}
