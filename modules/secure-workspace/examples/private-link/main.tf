# The smallest use of the module: a private endpoint to a workspace, in one subnet, with both
# AML private DNS zones created, linked to the subnet's VNet, and the endpoint registered in
# them. Every other part of the module is left out, so it leaves the workspace's other settings
# alone. The complete example is examples/secure-workspace at the repository's root.

terraform {
  required_providers {
    aml = {
      source = "secure-ml/aml"
    }
  }
}

provider "aml" {}

variable "workspace_id" {
  type        = string
  description = "The ARM ID of the workspace."
}

variable "subnet_id" {
  type        = string
  description = "The subnet the private endpoint takes its address from."
}

module "secure_workspace" {
  source = "../.."

  workspace_id = var.workspace_id
  private_endpoints = {
    main = { subnet_id = var.subnet_id }
  }
}

output "private_endpoint_ips" {
  value = module.secure_workspace.private_endpoint_ips
}

output "dns_records" {
  value = module.secure_workspace.dns_records
}
