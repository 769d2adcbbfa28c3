# The secure-workspace module, complete: a workspace reachable only through a private endpoint
# (with both AML private DNS zones), its public endpoint closed, approved-only outbound traffic
# provisioned with the Python package hosts and VS Code allowed, a service tag and a private
# endpoint to the workspace's storage, images built on a compute cluster, and a private online
# endpoint.
#
# Runs as is against the emulator's default world (scripts/demo, see README.md); for Azure,
# pass your own IDs.

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
  description = "The ARM ID of the workspace to secure."
  default     = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-aml-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo"
}

variable "subnet_id" {
  type        = string
  description = "The subnet the workspace's private endpoint takes its address from."
  default     = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-aml-demo/providers/Microsoft.Network/virtualNetworks/vnet-aml/subnets/snet-pe"
}

variable "storage_account_id" {
  type        = string
  description = "The workspace's storage account, reached from the managed network through a private endpoint."
  default     = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-aml-demo/providers/Microsoft.Storage/storageAccounts/stamldemo"
}

module "secure_workspace" {
  source = "../../modules/secure-workspace"

  workspace_id = var.workspace_id

  private_endpoints = {
    corp = { subnet_id = var.subnet_id }
  }

  inbound = {
    public_network_access = "Disabled"
  }

  managed_network = {
    isolation_mode = "AllowOnlyApprovedOutbound"
    firewall_sku   = "Standard"
    fqdn_presets   = ["python_packages", "vscode"]
    fqdns          = ["huggingface.co"]
    service_tag_rules = {
      datafactory = { service_tag = "DataFactory", protocol = "TCP", port_ranges = "443" }
    }
    private_endpoint_rules = {
      storage-blob = { service_resource_id = var.storage_account_id, subresource_target = "blob" }
    }
  }

  image_build_compute = "image-builder"

  online_endpoints = {
    score-secure = { description = "Scoring through the workspace's private endpoint only" }
  }
}

output "private_endpoint_ips" {
  value = module.secure_workspace.private_endpoint_ips
}

output "private_dns_zone_ids" {
  value = module.secure_workspace.private_dns_zone_ids
}

output "dns_records" {
  value = module.secure_workspace.dns_records
}

output "managed_network_status" {
  value = module.secure_workspace.managed_network_status
}

output "outbound_rule_statuses" {
  value = module.secure_workspace.outbound_rule_statuses
}

output "online_endpoints" {
  value = module.secure_workspace.online_endpoints
}

# The isolation check of the secured workspace, read after everything the module built: one line
# per finding (severity, code, message). The module's gate fails the apply on an error finding.
output "isolated" {
  value = module.secure_workspace.isolation.isolated
}

output "isolation_findings" {
  value = [for f in module.secure_workspace.isolation.findings : "${f.severity} ${f.code}: ${f.message}"]
}
