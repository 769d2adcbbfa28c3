# Secures an existing Azure Machine Learning workspace or hub, each part optional:
#   1. private endpoints to the workspace, with the cloud's private DNS zones (created or given),
#      their VNet links and a zone group per endpoint;
#   2. inbound access: public network access, default action, IP allow-list;
#   3. the managed network: isolation mode, firewall SKU, provisioning, outbound rules;
#   4. the image build compute;
#   5. managed online endpoints, created once the managed network is provisioned;
#   6. the isolation check of the secured workspace (aml_workspace_isolation), read after all
#      of the above: a check block warns with its error findings, and a postcondition (unless
#      fail_on_isolation_errors = false) fails the plan or apply on them.

locals {
  workspace_parts     = regex("(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft.MachineLearningServices/workspaces/([^/]+)$", var.workspace_id)
  resource_group_name = local.workspace_parts[1]
  workspace_name      = local.workspace_parts[2]

  # The workspace's region is read only when an endpoint does not name its own.
  needs_location = anytrue(concat(
    [for pe in values(var.private_endpoints) : pe.location == null],
    [for oe in values(var.online_endpoints) : oe.location == null],
  ))

  # VNets of the endpoints' subnets, the default set of VNets the zones are linked to.
  subnet_vnet_ids = toset([for pe in values(var.private_endpoints) : regex("^(.*)/subnets/[^/]+$", pe.subnet_id)[0]])
  linked_vnet_ids = (length(var.private_endpoints) == 0 || !var.private_dns.link_virtual_networks) ? toset([]) : coalesce(var.private_dns.virtual_network_ids, local.subnet_vnet_ids)
  zone_names      = length(var.private_endpoints) == 0 ? [] : data.aml_private_dns_zone_names.this[0].names
  zone_ids        = var.private_dns.create_zones ? { for n, z in aml_private_dns_zone.this : n => z.id } : var.private_dns.zone_ids
  # Zones missing from given zone_ids are reported by the zone groups' precondition.
  known_zone_names = [for z in local.zone_names : z if contains(keys(local.zone_ids), z)]
  zone_links = {
    for pair in setproduct(local.known_zone_names, local.linked_vnet_ids) : "${pair[0]}|${pair[1]}" => {
      zone_name = pair[0]
      vnet_id   = pair[1]
    }
  }

  inbound_rules = var.inbound == null ? toset([]) : var.inbound.allowed_ips

  # FQDN rules: the hosts of the presets and the custom ones, each once, named after the host
  # (at most 26 characters of it) and a short hash, so names stay within 33 characters and do
  # not move when the list changes.
  mn = var.managed_network
  fqdns = local.mn == null ? toset([]) : setunion(
    flatten([for p in local.mn.fqdn_presets : provider::aml::fqdn_preset(p)]),
    local.mn.fqdns,
  )
  fqdn_rules = {
    for f in local.fqdns :
    "${trimsuffix(substr(replace(replace(f, "*.", "any-"), ".", "-"), 0, 26), "-")}-${substr(sha1(f), 0, 6)}" => f
  }

  # What later parts refer to, so that the apply runs in the documented order: inbound access
  # first (public access is disabled before the managed network is provisioned), then the
  # managed network, its rules and the image build compute, then the online endpoints.
  access_workspace_id    = var.inbound == null ? var.workspace_id : aml_workspace_network_access.this[0].workspace_id
  network_workspace_id   = local.mn == null ? local.access_workspace_id : aml_workspace_managed_network.this[0].workspace_id
  endpoints_workspace_id = var.image_build_compute == null ? local.network_workspace_id : aml_workspace_image_build.this[0].workspace_id
}

data "aml_workspace" "this" {
  count = local.needs_location ? 1 : 0
  id    = var.workspace_id
}

# 1. Private endpoints and their DNS.

data "aml_private_dns_zone_names" "this" {
  count = length(var.private_endpoints) == 0 ? 0 : 1
}

resource "aml_private_dns_zone" "this" {
  for_each            = var.private_dns.create_zones ? toset(local.zone_names) : toset([])
  name                = each.value
  resource_group_name = coalesce(var.private_dns.resource_group_name, local.resource_group_name)
}

resource "aml_private_dns_zone_virtual_network_link" "this" {
  for_each            = local.zone_links
  name                = "${regex("[^/]+$", each.value.vnet_id)}-${substr(sha1(each.value.vnet_id), 0, 6)}"
  private_dns_zone_id = local.zone_ids[each.value.zone_name]
  virtual_network_id  = each.value.vnet_id
}

resource "aml_private_endpoint" "this" {
  for_each            = var.private_endpoints
  name                = coalesce(each.value.name, "pe-${local.workspace_name}-${each.key}")
  resource_group_name = coalesce(each.value.resource_group_name, local.resource_group_name)
  location            = coalesce(each.value.location, try(data.aml_workspace.this[0].location, null))
  subnet_id           = each.value.subnet_id
  target_resource_id  = var.workspace_id
  manual_connection   = each.value.manual_connection
  request_message     = each.value.request_message
  tags                = each.value.tags
}

resource "aml_private_dns_zone_group" "this" {
  for_each             = aml_private_endpoint.this
  name                 = var.private_dns.zone_group_name
  private_endpoint_id  = each.value.id
  private_dns_zone_ids = [for z in each.value.private_dns_zone_names : local.zone_ids[z] if contains(keys(local.zone_ids), z)]

  # Records resolve only where the zones are linked.
  depends_on = [aml_private_dns_zone_virtual_network_link.this]

  lifecycle {
    precondition {
      condition     = alltrue([for z in each.value.private_dns_zone_names : contains(keys(local.zone_ids), z)])
      error_message = "private_dns.zone_ids must give the ID of every zone the endpoint needs (${join(", ", each.value.private_dns_zone_names)}) when create_zones is false."
    }
  }
}

# 2. Inbound access.

resource "aml_workspace_network_access" "this" {
  count                 = var.inbound == null ? 0 : 1
  workspace_id          = var.workspace_id
  public_network_access = var.inbound.public_network_access
  default_action        = var.inbound.default_action
}

resource "aml_network_rule" "this" {
  for_each     = local.inbound_rules
  workspace_id = aml_workspace_network_access.this[0].workspace_id
  ip_address   = each.value
}

# 3. The managed network and its outbound rules.

resource "aml_workspace_managed_network" "this" {
  count          = local.mn == null ? 0 : 1
  workspace_id   = local.access_workspace_id
  isolation_mode = local.mn.isolation_mode
  firewall_sku   = local.mn.firewall_sku
  provision      = local.mn.provision
  include_spark  = local.mn.include_spark
}

resource "aml_managed_network_outbound_rule" "fqdn" {
  for_each     = local.fqdn_rules
  workspace_id = local.network_workspace_id
  name         = each.key
  fqdn {
    destination = each.value
  }
}

resource "aml_managed_network_outbound_rule" "service_tag" {
  for_each     = local.mn == null ? {} : local.mn.service_tag_rules
  workspace_id = local.network_workspace_id
  name         = each.key
  service_tag {
    service_tag      = each.value.service_tag
    protocol         = each.value.protocol
    port_ranges      = each.value.port_ranges
    action           = each.value.action
    address_prefixes = each.value.address_prefixes
  }
}

resource "aml_managed_network_outbound_rule" "private_endpoint" {
  for_each     = local.mn == null ? {} : local.mn.private_endpoint_rules
  workspace_id = local.network_workspace_id
  name         = each.key
  private_endpoint {
    service_resource_id = each.value.service_resource_id
    subresource_target  = each.value.subresource_target
    spark_enabled       = each.value.spark_enabled
    fqdns               = each.value.fqdns
  }
}

# 4. Image builds.

resource "aml_workspace_image_build" "this" {
  count        = var.image_build_compute == null ? 0 : 1
  workspace_id = local.network_workspace_id
  compute_name = var.image_build_compute
}

# 5. Online endpoints.

resource "aml_online_endpoint" "this" {
  for_each              = var.online_endpoints
  workspace_id          = local.endpoints_workspace_id
  name                  = each.key
  location              = coalesce(each.value.location, try(data.aml_workspace.this[0].location, null))
  auth_mode             = each.value.auth_mode
  public_network_access = each.value.public_network_access
  description           = each.value.description
  tags                  = each.value.tags

  dynamic "identity" {
    for_each = each.value.identity_type == null ? [] : [each.value.identity_type]
    content {
      type         = identity.value
      identity_ids = each.value.identity_ids
    }
  }
}

# 6. The isolation check, read after everything above so that it sees what the module built:
# while any of those resources has a change, Terraform reads it during the apply, after them;
# once nothing changes, it reads it at plan. The postcondition is what fails a run (an error);
# the check block only warns, and still shows the findings when the gate is turned off.

data "aml_workspace_isolation" "this" {
  workspace_id = var.workspace_id
  ignore       = var.isolation_ignore

  depends_on = [
    aml_private_dns_zone.this,
    aml_private_dns_zone_virtual_network_link.this,
    aml_private_endpoint.this,
    aml_private_dns_zone_group.this,
    aml_workspace_network_access.this,
    aml_network_rule.this,
    aml_workspace_managed_network.this,
    aml_managed_network_outbound_rule.fqdn,
    aml_managed_network_outbound_rule.service_tag,
    aml_managed_network_outbound_rule.private_endpoint,
    aml_workspace_image_build.this,
    aml_online_endpoint.this,
  ]

  lifecycle {
    postcondition {
      condition = !var.fail_on_isolation_errors || self.error_count == 0
      error_message = join("\n", concat(
        ["The workspace is not isolated (set fail_on_isolation_errors = false to only warn, or add accepted codes to isolation_ignore):"],
        [for f in self.findings : "${f.code} ${f.resource_id}: ${f.message} Fix: ${f.fix}" if f.severity == "error"],
      ))
    }
  }
}

check "isolation" {
  assert {
    condition = data.aml_workspace_isolation.this.error_count == 0
    error_message = join("\n", concat(
      ["The workspace is not isolated:"],
      [for f in data.aml_workspace_isolation.this.findings : "${f.code} ${f.resource_id}: ${f.message} Fix: ${f.fix}" if f.severity == "error"],
    ))
  }
}
