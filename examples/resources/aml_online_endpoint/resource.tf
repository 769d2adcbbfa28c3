# A secured managed online endpoint: scoring only through the workspace's private endpoint.
# Its location defaults to the workspace's region. Traffic is left to the deployment pipeline.
resource "aml_online_endpoint" "secure" {
  workspace_id          = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-secure"
  name                  = "score-secure"
  auth_mode             = "AADToken"
  public_network_access = "Disabled"
  description           = "Fraud scoring (private)"

  identity {
    type = "SystemAssigned"
  }

  tags = {
    team = "risk"
  }
}

# A public endpoint whose traffic split Terraform manages (the deployments must exist).
resource "aml_online_endpoint" "public" {
  workspace_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-prod"
  name         = "score-public"

  traffic = {
    blue  = 90
    green = 10
  }
  mirror_traffic = {
    shadow = 20
  }
}
