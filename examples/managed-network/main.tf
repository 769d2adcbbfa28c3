# Move an Azure ML workspace to approved-only outbound traffic, provision its managed network with
# Spark during apply, and allow the Python package hosts, one service tag and a private endpoint
# to the workspace's storage account.
#
# Runs as is against the emulator (see README.md): the defaults are the emulator's seeded
# workspace and storage account. For Azure, pass your own IDs.

terraform {
  required_providers {
    aml = {
      source = "secure-ml/aml"
    }
  }
}

# Credentials and the cloud come from the ARM_* environment variables.
provider "aml" {}

variable "workspace_id" {
  type        = string
  description = "The ARM ID of the workspace."
  default     = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-aml-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo"
}

variable "storage_account_id" {
  type        = string
  description = "A storage account the workspace's jobs read through a private endpoint."
  default     = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-aml-demo/providers/Microsoft.Storage/storageAccounts/stamldemo"
}

resource "aml_workspace_managed_network" "this" {
  workspace_id   = var.workspace_id
  isolation_mode = "AllowOnlyApprovedOutbound"
  include_spark  = true
}

# Rules refer to the managed network's workspace_id, so the isolation mode changes first.
resource "aml_managed_network_outbound_rule" "python" {
  for_each     = toset(provider::aml::fqdn_preset("python_packages"))
  workspace_id = aml_workspace_managed_network.this.workspace_id
  name         = "py-${replace(replace(each.value, "*.", "any-"), ".", "-")}"
  fqdn {
    destination = each.value
  }
}

resource "aml_managed_network_outbound_rule" "data_factory" {
  workspace_id = aml_workspace_managed_network.this.workspace_id
  name         = "datafactory"
  service_tag {
    service_tag = "DataFactory"
    protocol    = "TCP"
    port_ranges = "443"
  }
}

resource "aml_managed_network_outbound_rule" "lake" {
  workspace_id = aml_workspace_managed_network.this.workspace_id
  name         = "lake-dfs"
  private_endpoint {
    service_resource_id = var.storage_account_id
    subresource_target  = "dfs"
    spark_enabled       = true
  }
}

data "aml_managed_network_outbound_rules" "all" {
  workspace_id = aml_workspace_managed_network.this.workspace_id
  depends_on   = [aml_managed_network_outbound_rule.python, aml_managed_network_outbound_rule.data_factory, aml_managed_network_outbound_rule.lake]
}

output "status" {
  value = aml_workspace_managed_network.this.status
}

output "rules" {
  value = { for r in data.aml_managed_network_outbound_rules.all.rules : r.name => "${r.category} ${r.type} ${r.destination} ${r.status}" }
}
