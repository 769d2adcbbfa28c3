variable "workspace_id" {
  type        = string
  description = "The ARM ID of the existing Azure Machine Learning workspace or hub to secure."

  # The module reads the resource group and the name from the ID (for default names), before
  # any resource of the provider sees it.
  validation {
    condition     = can(regex("(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft.MachineLearningServices/workspaces/[^/]+$", var.workspace_id))
    error_message = "workspace_id must be the ARM ID of a workspace or hub: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.MachineLearningServices/workspaces/<name>."
  }
}

variable "private_endpoints" {
  type = map(object({
    subnet_id           = string
    name                = optional(string)
    resource_group_name = optional(string)
    location            = optional(string)
    manual_connection   = optional(bool, false)
    request_message     = optional(string)
    tags                = optional(map(string))
  }))
  description = <<-EOT
    Private endpoints to the workspace, keyed by a short name. Each takes its private IP from
    `subnet_id`; `name` defaults to `pe-<workspace>-<key>`, `resource_group_name` to the
    workspace's and `location` to the workspace's region (it must be the VNet's region).
    `manual_connection = true` asks the workspace owner for approval (with `request_message`):
    the endpoint then stays `Pending` until approved. Empty: no private endpoints.
  EOT
  default     = {}
}

variable "private_dns" {
  type = object({
    create_zones          = optional(bool, true)
    resource_group_name   = optional(string)
    zone_ids              = optional(map(string), {})
    link_virtual_networks = optional(bool, true)
    virtual_network_ids   = optional(set(string))
    zone_group_name       = optional(string, "default")
  })
  description = <<-EOT
    The private DNS of the endpoints. With `create_zones` (the default) the module creates both
    zones the cloud needs for a workspace (`privatelink.api.azureml.ms` and
    `privatelink.notebooks.azure.net` in Azure public) in `resource_group_name` (default: the
    workspace's); otherwise give them in `zone_ids` (zone name → zone ID), for example a
    central hub's zones. With `link_virtual_networks` the zones are linked to
    `virtual_network_ids` (default: the VNets of the endpoints' subnets). Each endpoint is
    registered in both zones by a zone group named `zone_group_name`.
  EOT
  default     = {}
  nullable    = false
}

variable "inbound" {
  type = object({
    public_network_access = string
    default_action        = optional(string)
    allowed_ips           = optional(set(string), [])
  })
  description = <<-EOT
    Inbound access to the workspace's public endpoint: `public_network_access` (`Enabled` or
    `Disabled`), the `default_action` for addresses no rule matches (`Deny` to admit only
    `allowed_ips`; unset leaves the workspace's alone), and `allowed_ips`, public IPv4
    addresses and CIDR ranges allowed in (one `aml_network_rule` each). Null: inbound access
    is left as it is. Destroying restores the workspace's prior settings.
  EOT
  default     = null

  validation {
    condition     = var.inbound == null || length(coalesce(try(var.inbound.allowed_ips, null), [])) == 0 || try(var.inbound.public_network_access, "") == "Enabled"
    error_message = "inbound.allowed_ips only admit clients while public_network_access is \"Enabled\": set it to \"Enabled\" (with default_action = \"Deny\" to admit only those addresses), or remove allowed_ips."
  }
}

variable "managed_network" {
  type = object({
    isolation_mode = string
    firewall_sku   = optional(string)
    provision      = optional(bool, true)
    include_spark  = optional(bool, false)
    fqdn_presets   = optional(set(string), [])
    fqdns          = optional(set(string), [])
    service_tag_rules = optional(map(object({
      service_tag      = optional(string)
      protocol         = string
      port_ranges      = string
      action           = optional(string)
      address_prefixes = optional(list(string))
    })), {})
    private_endpoint_rules = optional(map(object({
      service_resource_id = string
      subresource_target  = string
      spark_enabled       = optional(bool, false)
      fqdns               = optional(list(string))
    })), {})
  })
  description = <<-EOT
    The workspace's managed network: `isolation_mode` (`AllowInternetOutbound` or
    `AllowOnlyApprovedOutbound`; it can only become stricter), `firewall_sku` (`Standard` or
    `Basic`), `provision` during apply (with Spark when `include_spark`), and outbound rules:
    FQDN rules for the hosts of the `fqdn_presets` (names of `provider::aml::fqdn_preset`:
    `python_packages`, `vscode`, `huggingface`) and for `fqdns`, service-tag rules and
    private-endpoint rules keyed by rule name (3 to 33 characters). FQDN and service-tag
    rules need `AllowOnlyApprovedOutbound`. Null: the managed network is left as it is.
  EOT
  default     = null
}

variable "image_build_compute" {
  type        = string
  description = "The name of a compute cluster or instance of the workspace that builds its images (needed once its container registry is private). Null: left as it is."
  default     = null
}

variable "online_endpoints" {
  type = map(object({
    auth_mode             = optional(string, "AADToken")
    public_network_access = optional(string, "Disabled")
    description           = optional(string)
    location              = optional(string)
    tags                  = optional(map(string))
    identity_type         = optional(string, "SystemAssigned")
    identity_ids          = optional(list(string))
  }))
  description = <<-EOT
    Managed online endpoints, endpoint name → settings: `auth_mode` (default `AADToken`),
    `public_network_access` (default `Disabled`: scoring only through the workspace's private
    endpoint), `description`, `location` (default: the workspace's region), `tags`, and the
    managed identity (`identity_type`, default `SystemAssigned`, null for none;
    `identity_ids` for `UserAssigned`). They are created after the managed network is
    provisioned and after the image build compute is set. Traffic is left to deployments.
  EOT
  default     = {}
}

variable "isolation_ignore" {
  type        = list(string)
  description = <<-EOT
    Finding codes of `aml_workspace_isolation` this deployment accepts (e.g. `AML-PE-002` when
    a custom DNS server answers for the workspace's names, `AML-PE-001` while a manual
    connection awaits approval): they are left out of the `isolation` output, the counts, the
    check block and the gate. An unknown code is an error at plan that lists the valid codes.
  EOT
  default     = []
  nullable    = false
}

variable "fail_on_isolation_errors" {
  type        = bool
  description = <<-EOT
    Whether an `error` finding of the isolation check fails the run (a postcondition on the
    `aml_workspace_isolation` data source): the apply that leaves the workspace with an error
    finding exits 1, and so does every later plan until it is fixed. False: the `isolation`
    check block only warns (Terraform reports a failed check as a warning and exits 0).
  EOT
  default     = true
  nullable    = false
}
