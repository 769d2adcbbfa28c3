# The module's own plan-time checks, which expect_failures can name: a variable validation and
# a precondition. (The provider's plan-time errors are in tests/plan_errors/.)

provider "aml" {}

variables {
  workspace_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-checks"
}

# An allow-list does nothing while public access is disabled.
run "allow_list_with_public_access_disabled" {
  command = plan
  variables {
    inbound = {
      public_network_access = "Disabled"
      allowed_ips           = ["52.160.10.4"]
    }
  }
  expect_failures = [var.inbound]
}

# A zone the endpoint needs is missing from the given zones.
run "given_zones_incomplete" {
  command = plan
  variables {
    private_endpoints = {
      corp = { subnet_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-pe" }
    }
    private_dns = {
      create_zones = false
      zone_ids     = { "privatelink.api.azureml.ms" = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms" }
    }
  }
  expect_failures = [aml_private_dns_zone_group.this]
}

# Not a workspace ID (a storage account's): the module needs the workspace's group and name.
run "workspace_id_of_another_type" {
  command = plan
  variables {
    workspace_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.Storage/storageAccounts/stsecureml"
  }
  expect_failures = [var.workspace_id]
}
