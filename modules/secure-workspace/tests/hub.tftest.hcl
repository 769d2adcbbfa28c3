# Scenario "hub with several endpoints in two VNets": a hub reached from a hub VNet and a spoke
# VNet, the zones created once and linked to both VNets, each endpoint registered in them; the
# spoke's connection waits for the hub owner's approval.

provider "aml" {}

variables {
  workspace_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.MachineLearningServices/workspaces/hub-secure"
  private_endpoints = {
    hub = { subnet_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-pe" }
    spoke = {
      subnet_id         = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/snet-pe"
      manual_connection = true
      request_message   = "Spoke team: access to the shared hub"
    }
  }
  inbound = {
    public_network_access = "Disabled"
  }
}

# The spoke's connection is Pending, an isolation error (AML-PE-001: no traffic flows through
# it). With the gate on (the default), the data source is read during the apply, after the
# endpoints, and its postcondition fails the apply: what a pipeline's apply would report.
run "gate_fails_the_apply_while_pending" {
  expect_failures = [data.aml_workspace_isolation.this]
}

# The same hub with the gate off: the apply succeeds, the `isolation` check block warns (a
# failure for terraform test, hence expect_failures), and the outputs name the finding.
run "hub_two_vnets" {
  variables {
    fail_on_isolation_errors = false
  }
  expect_failures = [check.isolation]

  assert {
    condition     = alltrue([for ip in output.private_endpoint_ips["hub"] : startswith(ip, "10.10.1.")]) && alltrue([for ip in output.private_endpoint_ips["spoke"] : startswith(ip, "10.20.1.")])
    error_message = "each endpoint takes its address in its own VNet: ${jsonencode(output.private_endpoint_ips)}"
  }
  assert {
    condition     = output.private_endpoint_connection_status == { hub = "Approved", spoke = "Pending" }
    error_message = "the manual connection waits for approval: ${jsonencode(output.private_endpoint_connection_status)}"
  }
  assert {
    condition     = length(output.private_dns_zone_ids) == 2 && length(aml_private_dns_zone.this) == 2
    error_message = "the zones are created once for both endpoints"
  }
  assert {
    condition     = length(aml_private_dns_zone_virtual_network_link.this) == 4 && toset([for l in aml_private_dns_zone_virtual_network_link.this : l.virtual_network_id]) == toset(["/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.Network/virtualNetworks/vnet-hub", "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.Network/virtualNetworks/vnet-spoke"])
    error_message = "both zones are linked to both VNets"
  }
  assert {
    condition     = length(aml_private_dns_zone_group.this) == 2
    error_message = "each endpoint has its zone group"
  }
  assert {
    condition     = aml_workspace_network_access.this[0].public_network_access == "Disabled"
    error_message = "the hub is reachable only through its private endpoints"
  }
  assert {
    condition     = output.isolation_codes.error == tolist(["AML-PE-001"]) && output.isolation.error_count == 1
    error_message = "only the pending connection is an error: ${jsonencode(output.isolation_codes)}"
  }
  assert {
    condition     = length(output.isolation_errors) == 1 && strcontains(output.isolation_errors[0], "pe-hub-secure-spoke")
    error_message = "the error names the spoke's endpoint: ${jsonencode(output.isolation_errors)}"
  }
  # Two endpoints, neither in a VNet that also holds endpoints to the hub's storage, key vault
  # and registry (which tests/world.json leaves public): AML-DEP-002 and AML-DEP-001 warnings.
  assert {
    condition     = output.isolation_codes.warning == tolist(["AML-DEP-001", "AML-DEP-002"])
    error_message = "the dependencies' findings: ${jsonencode(output.isolation_codes)}"
  }
}

# Accepting the code while the hub owner has not approved yet: the gate passes.
run "pending_approval_ignored" {
  variables {
    isolation_ignore = ["AML-PE-001"]
  }

  assert {
    condition     = output.isolation.error_count == 0 && !contains(output.isolation.findings[*].code, "AML-PE-001")
    error_message = "the ignored code is left out: ${jsonencode(output.isolation_codes)}"
  }
}
