# Public endpoint on, but only for the workspace's IP rules (aml_network_rule).
resource "aml_workspace_network_access" "this" {
  workspace_id          = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-prod"
  public_network_access = "Enabled"
  default_action        = "Deny"
}

# Private endpoints only: the default action and IP rules no longer matter.
resource "aml_workspace_network_access" "private_only" {
  workspace_id          = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-secure"
  public_network_access = "Disabled"
}
