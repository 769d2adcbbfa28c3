# Every outbound rule of the workspace, system rules included, for an audit.
data "aml_managed_network_outbound_rules" "all" {
  workspace_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-prod"
}

output "failed_rules" {
  value = [for r in data.aml_managed_network_outbound_rules.all.rules : r.name if r.status == "Failed"]
}
