data "aml_workspace" "this" {
  name                = "mlw-demo"
  resource_group_name = "rg-aml-demo"
}

# Fail the plan when the workspace is reachable from the internet without IP rules.
check "workspace_is_locked_down" {
  assert {
    condition = (
      data.aml_workspace.this.public_network_access == "Disabled" ||
      length(data.aml_workspace.this.ip_rules) > 0
    )
    error_message = "Workspace ${data.aml_workspace.this.name} is open to the internet."
  }
}

output "isolation_mode" {
  value = data.aml_workspace.this.managed_network.isolation_mode
}
