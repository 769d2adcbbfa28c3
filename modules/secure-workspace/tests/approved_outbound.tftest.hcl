# Scenario "approved-outbound managed network with presets": only approved outbound traffic,
# provisioned with Spark during the apply, the Python package hosts and one custom host allowed,
# a service tag, and a private endpoint from the managed network to the storage account.

provider "aml" {}

variables {
  workspace_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-outbound"
}

run "approved_outbound_with_presets" {
  variables {
    managed_network = {
      isolation_mode = "AllowOnlyApprovedOutbound"
      firewall_sku   = "Basic"
      include_spark  = true
      fqdn_presets   = ["python_packages"]
      fqdns          = ["pypi.org", "files.example.com"]
      service_tag_rules = {
        datafactory = { service_tag = "DataFactory", protocol = "TCP", port_ranges = "443" }
      }
      private_endpoint_rules = {
        lake-dfs = { service_resource_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.Storage/storageAccounts/stsecureml", subresource_target = "dfs", spark_enabled = true }
      }
    }
  }

  assert {
    condition     = output.managed_network_status == "Active" && aml_workspace_managed_network.this[0].spark_ready
    error_message = "provisioned with Spark during the apply: ${jsonencode(output.managed_network_status)}"
  }
  assert {
    condition     = toset(values(output.outbound_fqdns)) == setunion(provider::aml::fqdn_preset("python_packages"), ["files.example.com"])
    error_message = "one FQDN rule per host of the preset and the custom ones, pypi.org once: ${jsonencode(output.outbound_fqdns)}"
  }
  assert {
    condition     = alltrue([for n in keys(output.outbound_rule_statuses) : length(n) >= 3 && length(n) <= 33])
    error_message = "rule names fit the service's 3 to 33 characters: ${jsonencode(keys(output.outbound_rule_statuses))}"
  }
  assert {
    condition     = length(output.outbound_rule_statuses) == length(output.outbound_fqdns) + 2
    error_message = "FQDN, service tag and private endpoint rules: ${jsonencode(output.outbound_rule_statuses)}"
  }
  assert {
    condition     = output.outbound_rule_statuses["datafactory"] == "Active" && output.outbound_rule_statuses["lake-dfs"] == "Active"
    error_message = "rules on a provisioned network are active: ${jsonencode(output.outbound_rule_statuses)}"
  }
  # Outbound only: no failed or inactive rule (AML-MN-003/004), the network is provisioned
  # (no AML-MN-001); inbound is public by design without private endpoints (info AML-IN-002).
  assert {
    condition     = output.isolation.isolated && length(output.isolation_codes.error) == 0 && length(output.isolation_codes.warning) == 0 && output.isolation_codes.info == tolist(["AML-IN-002"])
    error_message = "the managed network raises no finding: ${jsonencode(output.isolation_codes)}"
  }
}

# A custom host more is one more rule; the others stay as they are.
run "one_more_host" {
  variables {
    managed_network = {
      isolation_mode = "AllowOnlyApprovedOutbound"
      firewall_sku   = "Basic"
      include_spark  = true
      fqdn_presets   = ["python_packages"]
      fqdns          = ["pypi.org", "files.example.com", "models.example.com"]
      service_tag_rules = {
        datafactory = { service_tag = "DataFactory", protocol = "TCP", port_ranges = "443" }
      }
      private_endpoint_rules = {
        lake-dfs = { service_resource_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.Storage/storageAccounts/stsecureml", subresource_target = "dfs", spark_enabled = true }
      }
    }
  }

  assert {
    condition     = contains(values(output.outbound_fqdns), "models.example.com") && length(output.outbound_rule_statuses) == length(provider::aml::fqdn_preset("python_packages")) + 4
    error_message = "the new host is a rule: ${jsonencode(output.outbound_rule_statuses)}"
  }
}
