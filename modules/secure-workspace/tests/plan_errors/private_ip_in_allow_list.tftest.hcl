# Expected error: "10.1.2.3" is not a public address
#
# A plan-time diagnostic of the provider: this file's plan must FAIL with the error above.
# Terraform 1.11's expect_failures matches only the module's own conditions (validation,
# preconditions, postconditions, check blocks), not an error the provider reports for a
# resource, so these files live outside tests/ and are run on their own:
#   aml-arm-emulator exec --seed tests/world.json -- terraform test -test-directory=tests/plan_errors
# each file failing with its expected error (tests/e2e/module.rs checks it). The provider checks
# addresses when it validates the configuration, so a mock provider catches this one too.

provider "aml" {}

run "private_ip_in_allow_list" {
  command = plan
  variables {
    workspace_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-checks"
    inbound = {
      public_network_access = "Enabled"
      default_action        = "Deny"
      allowed_ips           = ["52.160.10.4", "10.1.2.3"]
    }
  }
}
