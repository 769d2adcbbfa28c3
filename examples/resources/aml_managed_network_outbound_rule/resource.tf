# FQDN rules from a documented preset (approved-outbound mode only).
resource "aml_managed_network_outbound_rule" "python" {
  for_each     = toset(provider::aml::fqdn_preset("python_packages"))
  workspace_id = aml_workspace_managed_network.this.workspace_id
  name         = "py-${replace(replace(each.value, "*.", "any-"), ".", "-")}"
  fqdn {
    destination = each.value
  }
}

# A service tag.
resource "aml_managed_network_outbound_rule" "data_factory" {
  workspace_id = aml_workspace_managed_network.this.workspace_id
  name         = "datafactory"
  service_tag {
    service_tag = "DataFactory"
    protocol    = "TCP"
    port_ranges = "443"
  }
}

# A private endpoint to your own storage account's Data Lake endpoint.
resource "aml_managed_network_outbound_rule" "lake" {
  workspace_id = aml_workspace_managed_network.this.workspace_id
  name         = "lake-dfs"
  private_endpoint {
    service_resource_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/stlake"
    subresource_target  = "dfs"
    spark_enabled       = true
  }
}
