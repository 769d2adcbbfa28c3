variable "workspace_id" {
  type = string
}

# Admit only the office and the CI runners; everyone else is denied.
resource "aml_workspace_network_access" "this" {
  workspace_id          = var.workspace_id
  public_network_access = "Enabled"
  default_action        = "Deny"
}

# One resource per address or range. Refer to the access resource's workspace_id so the
# rules are created after public access is restricted (otherwise the apply warns that the
# rules have no effect yet).
resource "aml_network_rule" "allowed" {
  for_each = toset([
    "52.160.10.4",    # office NAT
    "20.42.0.0/24",   # CI runners
  ])

  workspace_id = aml_workspace_network_access.this.workspace_id
  ip_address   = each.value
}
