# Private link for an Azure Machine Learning workspace, as the product docs describe it:
# 1. the two private DNS zones, 2. linked to the VNet, 3. a private endpoint to the workspace
# (group `amlworkspace`) in a subnet, 4. a DNS zone group registering the endpoint in both zones.
#
# The defaults match the ARM emulator's default world (see README.md); point the variables at
# your own resources to use it against Azure.

terraform {
  required_providers {
    aml = {
      source = "secure-ml/aml"
    }
  }
}

# Credentials and subscription come from the ARM_* environment variables.
provider "aml" {}

variable "subscription_id" {
  type    = string
  default = "00000000-0000-4000-8000-00000000a3b1"
}

variable "resource_group_name" {
  type    = string
  default = "rg-aml-demo"
}

variable "location" {
  type    = string
  default = "eastus"
}

variable "virtual_network_name" {
  type    = string
  default = "vnet-aml"
}

variable "subnet_name" {
  type    = string
  default = "snet-pe"
}

variable "workspace_name" {
  type    = string
  default = "mlw-demo"
}

locals {
  rg_id        = "/subscriptions/${var.subscription_id}/resourceGroups/${var.resource_group_name}"
  vnet_id      = "${local.rg_id}/providers/Microsoft.Network/virtualNetworks/${var.virtual_network_name}"
  subnet_id    = "${local.vnet_id}/subnets/${var.subnet_name}"
  workspace_id = "${local.rg_id}/providers/Microsoft.MachineLearningServices/workspaces/${var.workspace_name}"
}

# The zone names for the provider's cloud: privatelink.api.azureml.ms and
# privatelink.notebooks.azure.net in Azure public.
data "aml_private_dns_zone_names" "this" {}

# 1. Both zones.
resource "aml_private_dns_zone" "aml" {
  for_each            = toset(data.aml_private_dns_zone_names.this.names)
  name                = each.value
  resource_group_name = var.resource_group_name
}

# 2. Linked to the VNet whose clients use the workspace.
resource "aml_private_dns_zone_virtual_network_link" "aml" {
  for_each            = aml_private_dns_zone.aml
  name                = var.virtual_network_name
  private_dns_zone_id = each.value.id
  virtual_network_id  = local.vnet_id
}

# 3. The endpoint (subresource_name defaults to amlworkspace).
resource "aml_private_endpoint" "workspace" {
  name                = "pe-${var.workspace_name}"
  resource_group_name = var.resource_group_name
  location            = var.location
  subnet_id           = local.subnet_id
  target_resource_id  = local.workspace_id
}

# 4. Registered in both zones: Azure writes the A records.
resource "aml_private_dns_zone_group" "workspace" {
  name                 = "default"
  private_endpoint_id  = aml_private_endpoint.workspace.id
  private_dns_zone_ids = [for z in aml_private_endpoint.workspace.private_dns_zone_names : aml_private_dns_zone.aml[z].id]

  # Records resolve only where the zones are linked.
  depends_on = [aml_private_dns_zone_virtual_network_link.aml]
}

output "endpoint_ips" {
  value = aml_private_endpoint.workspace.private_ip_addresses
}

output "connection_status" {
  value = aml_private_endpoint.workspace.connection_state.status
}

output "record_fqdns" {
  value = { for r in aml_private_dns_zone_group.workspace.record_sets : r.fqdn => r.ip_addresses }
}
