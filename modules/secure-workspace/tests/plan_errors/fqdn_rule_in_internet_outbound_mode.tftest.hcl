# Expected error: FQDN rules need isolation mode AllowOnlyApprovedOutbound
#
# A plan-time diagnostic of the provider: this file's plan must FAIL with the error above (see
# private_ip_in_allow_list.tftest.hcl for why it is not an expect_failures run). The provider
# knows the isolation mode that the same plan sets; under mock_provider this plan passes
# (tests/mock_provider.tftest.hcl).

provider "aml" {}

run "fqdn_rule_in_internet_outbound_mode" {
  command = plan
  variables {
    workspace_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-checks"
    managed_network = {
      isolation_mode = "AllowInternetOutbound"
      fqdns          = ["pypi.org"]
    }
  }
}
