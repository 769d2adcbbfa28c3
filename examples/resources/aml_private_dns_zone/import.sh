terraform import 'aml_private_dns_zone.aml["privatelink.api.azureml.ms"]' \
  /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aml-demo/providers/Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms
