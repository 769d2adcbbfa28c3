resource "aml_private_endpoint" "workspace" {
  name                = "pe-mlw-demo"
  resource_group_name = "rg-aml-demo"
  location            = "eastus"
  subnet_id           = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aml-demo/providers/Microsoft.Network/virtualNetworks/vnet-aml/subnets/snet-pe"
  target_resource_id  = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aml-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo"
  # subresource_name defaults to "amlworkspace" for a workspace or hub.
  tags = {
    env = "dev"
  }
}

# A storage account needs the sub-resource spelled out: one endpoint per sub-resource.
resource "aml_private_endpoint" "blob" {
  name                = "pe-stamldemo-blob"
  resource_group_name = "rg-aml-demo"
  location            = "eastus"
  subnet_id           = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aml-demo/providers/Microsoft.Network/virtualNetworks/vnet-aml/subnets/snet-pe"
  target_resource_id  = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aml-demo/providers/Microsoft.Storage/storageAccounts/stamldemo"
  subresource_name    = "blob"
}

output "zones_needed" {
  # ["privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"], known at plan.
  value = aml_private_endpoint.workspace.private_dns_zone_names
}
