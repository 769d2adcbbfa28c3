# Allow only approved outbound traffic, and provision the network (with Spark) during apply so
# the first compute does not wait for it.
resource "aml_workspace_managed_network" "this" {
  workspace_id   = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-prod"
  isolation_mode = "AllowOnlyApprovedOutbound"
  firewall_sku   = "Standard"
  include_spark  = true
}
