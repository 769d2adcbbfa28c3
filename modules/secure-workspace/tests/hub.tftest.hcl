# Scenario "hub with several endpoints in two VNets": a hub reached from a hub VNet and a spoke
# VNet, the zones created once and linked to both VNets, each endpoint registered in them; the
# spoke's connection waits for the hub owner's approval.

provider "aml" {}

variables {
  workspace_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.MachineLearningServices/workspaces/hub-secure"
}

run "hub_two_vnets" {
  variables {
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
}
