# Expected error: The service refuses to change isolation mode from AllowOnlyApprovedOutbound to AllowInternetOutbound
#
# A plan-time diagnostic of the provider: this file's plan must FAIL with the error above (see
# private_ip_in_allow_list.tftest.hcl for why it is not an expect_failures run). The provider
# reads the workspace at plan time: mlw-approved of tests/world.json is already
# AllowOnlyApprovedOutbound. Under mock_provider this plan passes (tests/mock_provider.tftest.hcl).

provider "aml" {}

run "backward_isolation_change" {
  command = plan
  variables {
    workspace_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-approved"
    managed_network = {
      isolation_mode = "AllowInternetOutbound"
    }
  }
}
