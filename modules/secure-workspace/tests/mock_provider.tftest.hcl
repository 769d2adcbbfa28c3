# What a mock provider cannot see. The runs below give the same bad input as two files of
# tests/plan_errors/, under 'mock_provider': they PASS here, because a mock provider never runs
# the provider's plan (it neither reads the workspace nor knows the isolation mode another
# resource of the plan sets). Against the emulator, both plans fail with the provider's error.
# (A mock provider does run the provider's configuration validation: the private address of
# tests/plan_errors/private_ip_in_allow_list.tftest.hcl is caught under a mock too.)
#
# Nor can a mock say whether the workspace is isolated: the `isolation` check reads the
# workspace after the apply, so a plan run cannot evaluate it, and terraform test reports an
# unevaluated check as a failure of the run unless it is expected (hence expect_failures).

mock_provider "aml" {}

variables {
  workspace_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-approved"
}

# Passes under the mock; refused against the emulator (run "backward_isolation_change").
run "mock_misses_backward_isolation_change" {
  command = plan
  variables {
    managed_network = {
      isolation_mode = "AllowInternetOutbound"
    }
  }
  expect_failures = [check.isolation]
  assert {
    condition     = aml_workspace_managed_network.this[0].isolation_mode == "AllowInternetOutbound"
    error_message = "the mock plans the loosening the service refuses"
  }
}

# Passes under the mock; refused against the emulator (run "fqdn_rule_in_internet_outbound_mode").
run "mock_misses_fqdn_rule_in_internet_outbound_mode" {
  command = plan
  variables {
    workspace_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-checks"
    managed_network = {
      isolation_mode = "AllowInternetOutbound"
      fqdns          = ["pypi.org"]
    }
  }
  expect_failures = [check.isolation]
  assert {
    condition     = length(aml_managed_network_outbound_rule.fqdn) == 1
    error_message = "the mock plans an FQDN rule the service would refuse"
  }
}
