terraform {
  required_providers {
    aml = {
      source = "secure-ml/aml"
    }
  }
}

# Credentials come from the same arguments and ARM_* environment variables as azurerm:
# a service principal (ARM_CLIENT_ID + ARM_CLIENT_SECRET), OIDC in GitHub Actions or Azure
# DevOps (use_oidc = true), a managed identity (use_msi = true), or the Azure CLI.
provider "aml" {
  subscription_id = "00000000-0000-0000-0000-000000000000"
  environment     = "public"
}
