# Scenario "private link only": one private endpoint to the workspace, both AML zones created,
# linked to the endpoint's VNet, and a zone group registering the endpoint in them.
# Run through the emulator: aml-arm-emulator exec --seed tests/world.json -- terraform test

provider "aml" {}

variables {
  workspace_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-private"
}

run "private_link_only" {
  variables {
    private_endpoints = {
      hub = { subnet_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-pe" }
    }
  }

  assert {
    condition     = length(output.private_endpoint_ips["hub"]) > 0 && alltrue([for ip in output.private_endpoint_ips["hub"] : startswith(ip, "10.10.1.")])
    error_message = "the endpoint takes its addresses from snet-pe of vnet-hub: ${jsonencode(output.private_endpoint_ips)}"
  }
  assert {
    condition     = output.private_endpoint_connection_status == { hub = "Approved" }
    error_message = "the connection is auto-approved: ${jsonencode(output.private_endpoint_connection_status)}"
  }
  assert {
    condition     = toset(keys(output.private_dns_zone_ids)) == toset(["privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"])
    error_message = "both AML zones (the notebooks one included): ${jsonencode(output.private_dns_zone_ids)}"
  }
  assert {
    condition     = length(aml_private_dns_zone_virtual_network_link.this) == 2
    error_message = "each zone is linked to vnet-hub"
  }
  assert {
    condition     = length(output.dns_records) >= 2 && alltrue([for ips in values(output.dns_records) : alltrue([for ip in ips : contains(output.private_endpoint_ips["hub"], ip)])])
    error_message = "the zone group holds A records pointing at the endpoint: ${jsonencode(output.dns_records)}"
  }
  assert {
    condition     = output.managed_network_status == null && length(output.allowed_ips) == 0 && length(output.online_endpoints) == 0 && length(output.outbound_rule_statuses) == 0
    error_message = "the other parts are optional and left alone"
  }
  # "Securing a workspace with private endpoints doesn't ensure end-to-end security by itself":
  # no error, but public access is still Enabled (the module leaves inbound alone here).
  assert {
    condition     = output.isolation.error_count == 0 && output.isolation_codes.warning == tolist(["AML-IN-001"]) && !output.isolation.isolated
    error_message = "private link alone: no error, public access still open (AML-IN-001): ${jsonencode(output.isolation_codes)}"
  }
}

# Deliberately broken: the zones are created but linked to no VNet (say, a central team was
# expected to link them). Clients in vnet-hub resolve the public addresses: AML-PE-003 for each
# zone. With the gate off the run applies and the `isolation` check block warns (terraform test
# counts a failed check as a failure, hence expect_failures).
run "zones_not_linked_warns" {
  variables {
    private_endpoints = {
      hub = { subnet_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-pe" }
    }
    private_dns              = { link_virtual_networks = false }
    fail_on_isolation_errors = false
  }
  expect_failures = [check.isolation]

  assert {
    condition     = length(aml_private_dns_zone_virtual_network_link.this) == 0 && output.isolation_codes.error == tolist(["AML-PE-003"]) && output.isolation.error_count == 2
    error_message = "one AML-PE-003 per unlinked zone: ${jsonencode(output.isolation_codes)}"
  }
  assert {
    condition     = length(output.isolation_errors) == 2 && alltrue([for e in output.isolation_errors : startswith(e, "AML-PE-003 ") && strcontains(e, "Fix: ")])
    error_message = "each error line names the code and the fix: ${jsonencode(output.isolation_errors)}"
  }
}

# The same world with the gate on (the default): nothing changes, so the data source is read at
# plan and its postcondition fails the plan, as it would fail a pipeline's plan.
run "zones_not_linked_fails_the_plan" {
  command = plan
  variables {
    private_endpoints = {
      hub = { subnet_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-pe" }
    }
    private_dns = { link_virtual_networks = false }
  }
  expect_failures = [data.aml_workspace_isolation.this]
}
