# Scenario "secure online endpoint": approved-only outbound, provisioned before any endpoint,
# images built on a compute cluster of the workspace, and managed online endpoints that take
# no public traffic (scoring only through the workspace's private endpoint).

provider "aml" {}

variables {
  workspace_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-endpoint"
  private_endpoints = {
    app = { subnet_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-secure-ml/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-pe" }
  }
  inbound = {
    public_network_access = "Disabled"
  }
  managed_network = {
    isolation_mode = "AllowOnlyApprovedOutbound"
  }
  image_build_compute = "image-builder"
}

run "secure_online_endpoints" {
  variables {
    online_endpoints = {
      score-secure = { description = "Scoring through the private endpoint only" }
      score-batch  = { auth_mode = "AMLToken", tags = { team = "ml" } }
    }
  }

  assert {
    condition     = toset(keys(output.online_endpoints)) == toset(["score-secure", "score-batch"])
    error_message = "one endpoint per entry: ${jsonencode(output.online_endpoints)}"
  }
  assert {
    condition     = alltrue([for e in values(output.online_endpoints) : e.public_network_access == "Disabled" && e.provisioning_state == "Succeeded"])
    error_message = "private by default and provisioned: ${jsonencode(output.online_endpoints)}"
  }
  assert {
    condition     = startswith(output.online_endpoints["score-secure"].scoring_uri, "https://score-secure.")
    error_message = "the scoring URI names the endpoint: ${output.online_endpoints["score-secure"].scoring_uri}"
  }
  assert {
    condition     = aml_online_endpoint.this["score-secure"].auth_mode == "AADToken" && aml_online_endpoint.this["score-secure"].identity.type == "SystemAssigned"
    error_message = "Entra tokens and a system-assigned identity by default"
  }
  assert {
    condition     = output.managed_network_status == "Active" && aml_workspace_image_build.this[0].compute_name == "image-builder"
    error_message = "the endpoints come after a provisioned network and the image build compute"
  }
  # The workspace side is closed (no AML-OE, AML-MN, AML-PE or AML-IN finding); what is left is
  # the dependencies of tests/world.json, still open to the internet (AML-DEP-001, a warning:
  # the module does not manage them).
  assert {
    condition     = output.isolation.error_count == 0 && output.isolation_codes.warning == tolist(["AML-DEP-001"]) && output.isolation.warning_count == 3
    error_message = "only the open storage account, key vault and registry: ${jsonencode(output.isolation_codes)}"
  }
  assert {
    condition     = toset([for f in output.isolation.findings : regex("[^/]+$", f.resource_id) if f.code == "AML-DEP-001"]) == toset(["stsecureml", "kv-secure-ml", "acrsecureml"])
    error_message = "one finding per dependency: ${jsonencode(output.isolation.findings)}"
  }
}
