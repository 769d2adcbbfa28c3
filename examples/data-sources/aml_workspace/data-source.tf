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

# Audit: every online endpoint takes scoring traffic only through the workspace's private endpoint.
check "online_endpoints_are_private" {
  assert {
    condition = alltrue([
      for e in data.aml_workspace.this.online_endpoints : e.public_network_access == "Disabled"
    ])
    error_message = "Some online endpoints of ${data.aml_workspace.this.name} accept public scoring traffic."
  }
}
