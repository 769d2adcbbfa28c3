resource "aml_private_dns_zone" "api" {
  name                = "privatelink.api.azureml.ms"
  resource_group_name = "rg-aml-demo"
}

resource "aml_private_dns_zone_virtual_network_link" "api" {
  name                 = "vnet-aml"
  private_dns_zone_id  = aml_private_dns_zone.api.id
  virtual_network_id   = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aml-demo/providers/Microsoft.Network/virtualNetworks/vnet-aml"
  registration_enabled = false
}
