terraform import aml_private_dns_zone_virtual_network_link.api \
  /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aml-demo/providers/Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms/virtualNetworkLinks/vnet-aml
