# Scenario "private link + IP allow-list": a private endpoint for the corporate network, and the
# public endpoint open only to a list of public addresses and ranges.

provider "aml" {}

variables {
  workspace_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-allowlist"
  private_endpoints = {
    corp = { subnet_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-pe" }
  }
}

run "private_link_and_allow_list" {
  variables {
    inbound = {
      public_network_access = "Enabled"
      default_action        = "Deny"
      allowed_ips           = ["52.160.10.4", "20.42.0.0/24", "40.112.0.0/16"]
    }
  }

  assert {
    condition     = output.allowed_ips == tolist(["20.42.0.0/24", "40.112.0.0/16", "52.160.10.4"])
    error_message = "every address is a rule: ${jsonencode(output.allowed_ips)}"
  }
  assert {
    condition     = aml_workspace_network_access.this[0].public_network_access == "Enabled" && aml_workspace_network_access.this[0].default_action == "Deny"
    error_message = "the public endpoint admits only the rules"
  }
  assert {
    condition     = length(output.private_endpoint_ips["corp"]) > 0 && output.private_endpoint_connection_status["corp"] == "Approved"
    error_message = "the private endpoint is up: ${jsonencode(output.private_endpoint_connection_status)}"
  }
  assert {
    condition     = output.isolation.isolated && output.isolation.error_count == 0 && output.isolation.warning_count == 0 && length(output.isolation_errors) == 0
    error_message = "private link with a Deny default and public addresses only is isolated: ${jsonencode(output.isolation.findings)}"
  }
}

# The list changes: one address leaves, one comes; the rest stay.
run "allow_list_changes" {
  variables {
    inbound = {
      public_network_access = "Enabled"
      default_action        = "Deny"
      allowed_ips           = ["52.160.10.4", "20.42.0.0/24", "13.64.0.0/16"]
    }
  }

  assert {
    condition     = output.allowed_ips == tolist(["13.64.0.0/16", "20.42.0.0/24", "52.160.10.4"])
    error_message = "the rules follow the list: ${jsonencode(output.allowed_ips)}"
  }
  assert {
    condition     = output.isolation.isolated
    error_message = "still isolated: ${jsonencode(output.isolation.findings)}"
  }
}
