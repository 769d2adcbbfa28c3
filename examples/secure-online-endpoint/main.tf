# A secured managed online endpoint, as the product documentation sets one up: the workspace's
# managed network allows approved outbound traffic only and is provisioned before any
# deployment, images are built on a compute cluster of the workspace (its registry can then be
# private), and the endpoint takes no public traffic: scoring goes only through the workspace's
# private endpoint.
#
# Runs as is against the emulator (see README.md): the defaults are the emulator's seeded
# workspace and compute cluster. For Azure, pass your own values.

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

variable "image_build_compute" {
  type        = string
  description = "The name of a compute cluster of the workspace that builds its images."
  default     = "image-builder"
}

# 1. The managed network: approved outbound only, provisioned during the apply, so that
#    deployments can be created as soon as the endpoint exists.
resource "aml_workspace_managed_network" "this" {
  workspace_id   = var.workspace_id
  isolation_mode = "AllowOnlyApprovedOutbound"
}

# 2. Images are built on the workspace's compute cluster, not by the (private) registry's tasks.
resource "aml_workspace_image_build" "this" {
  workspace_id = aml_workspace_managed_network.this.workspace_id
  compute_name = var.image_build_compute
}

# 3. The endpoint: public network access Disabled, Microsoft Entra tokens for scoring. It refers
#    to the managed network's workspace_id, so it is created after provisioning. Traffic is left
#    to the deployment pipeline (unset here, so it never shows as drift).
resource "aml_online_endpoint" "score" {
  workspace_id          = aml_workspace_managed_network.this.workspace_id
  name                  = "score-secure"
  auth_mode             = "AADToken"
  public_network_access = "Disabled"
  description           = "Scoring through the workspace's private endpoint only"

  identity {
    type = "SystemAssigned"
  }
}

output "managed_network_status" {
  value = aml_workspace_managed_network.this.status
}

output "scoring_uri" {
  value = aml_online_endpoint.score.scoring_uri
}

output "endpoint" {
  value = {
    id                    = aml_online_endpoint.score.id
    public_network_access = aml_online_endpoint.score.public_network_access
    provisioning_state    = aml_online_endpoint.score.provisioning_state
  }
}
