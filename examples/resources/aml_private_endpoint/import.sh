terraform import aml_private_endpoint.workspace \
  /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aml-demo/providers/Microsoft.Network/privateEndpoints/pe-mlw-demo
