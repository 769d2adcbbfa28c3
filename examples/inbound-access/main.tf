# Lock an Azure ML workspace's public endpoint down to a list of addresses.
#
# Runs as is against the emulator (see README.md): the default workspace_id is the emulator's
# seeded workspace. For Azure, pass -var workspace_id=<your workspace ID> and your own addresses.

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
  description = "The ARM ID of the workspace to lock down."
  default     = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-aml-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo"
}

variable "allowed" {
  type        = set(string)
  description = "Public IPv4 addresses and CIDR ranges allowed in."
  default = [
    "52.160.10.4",   # office NAT
    "20.42.0.0/24",  # CI runners
    "40.112.0.0/16", # partner network
  ]
}

# Public access stays on, but only for the rules below. Destroying this restores the
# workspace's previous settings.
resource "aml_workspace_network_access" "this" {
  workspace_id          = var.workspace_id
  public_network_access = "Enabled"
  default_action        = "Deny"
}

# One rule per address. They refer to the access resource, so they are created after it; all
# rules of one apply are written to the workspace in a few coordinated updates.
resource "aml_network_rule" "allowed" {
  for_each     = var.allowed
  workspace_id = aml_workspace_network_access.this.workspace_id
  ip_address   = each.value
}

# Read the result back.
data "aml_workspace" "this" {
  id         = var.workspace_id
  depends_on = [aml_network_rule.allowed]
}

output "ip_rules" {
  value = sort(data.aml_workspace.this.ip_rules)
}

output "default_action" {
  value = data.aml_workspace.this.default_action
}
