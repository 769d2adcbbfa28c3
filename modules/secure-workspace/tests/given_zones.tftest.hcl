# Given zones: a central team owns the private DNS zones (and their VNet links); the module only
# registers the workspace's endpoint in them.

provider "aml" {}

run "central_zones" {
  module {
    source = "./tests/zones"
  }
  variables {
    resource_group_name = "rg-central-dns"
    virtual_network_id  = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.Network/virtualNetworks/vnet-hub"
  }
}

run "endpoint_in_given_zones" {
  variables {
    workspace_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-private"
    private_endpoints = {
      central = { subnet_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-pe" }
    }
    private_dns = {
      create_zones          = false
      link_virtual_networks = false
      zone_ids              = run.central_zones.zone_ids
    }
  }

  assert {
    condition     = length(aml_private_dns_zone.this) == 0 && length(aml_private_dns_zone_virtual_network_link.this) == 0
    error_message = "no zone and no link of the module's own"
  }
  assert {
    condition     = output.private_dns_zone_ids == tomap(run.central_zones.zone_ids)
    error_message = "the endpoint is registered in the given zones: ${jsonencode(output.private_dns_zone_ids)}"
  }
  assert {
    condition     = length(output.dns_records) >= 2
    error_message = "the zone group wrote the A records: ${jsonencode(output.dns_records)}"
  }
  # The central zones are linked to vnet-hub by their owner: no AML-PE-002 or AML-PE-003.
  assert {
    condition     = output.isolation.error_count == 0 && output.isolation_codes.warning == tolist(["AML-IN-001"])
    error_message = "the given zones cover and resolve the endpoint: ${jsonencode(output.isolation_codes)}"
  }
}
