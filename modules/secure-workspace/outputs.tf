output "private_endpoint_ips" {
  description = "Private IP addresses of each workspace private endpoint, by key of `private_endpoints`."
  value       = { for k, pe in aml_private_endpoint.this : k => pe.private_ip_addresses }
}

output "private_endpoint_ids" {
  description = "ARM IDs of the workspace private endpoints, by key of `private_endpoints`."
  value       = { for k, pe in aml_private_endpoint.this : k => pe.id }
}

output "private_endpoint_connection_status" {
  description = "Connection status of each private endpoint (`Approved`, or `Pending` for a manual connection awaiting approval), by key."
  value       = { for k, pe in aml_private_endpoint.this : k => pe.connection_state.status }
}

output "private_dns_zone_ids" {
  description = "The private DNS zones the endpoints are registered in, zone name → ID (created or given)."
  value       = length(var.private_endpoints) == 0 ? {} : { for n in local.known_zone_names : n => local.zone_ids[n] }
}

output "dns_records" {
  description = "The A records the zone groups hold, FQDN → private IP addresses."
  value = merge([
    for g in aml_private_dns_zone_group.this : { for r in g.record_sets : r.fqdn => r.ip_addresses }
  ]...)
}

output "allowed_ips" {
  description = "The public addresses and ranges allowed in (sorted)."
  value       = sort([for r in aml_network_rule.this : r.ip_address])
}

output "managed_network_status" {
  description = "The managed network's provisioning status (`Active` once provisioned), null when the module does not manage it."
  value       = try(aml_workspace_managed_network.this[0].status, null)
}

output "outbound_rule_statuses" {
  description = "Status of each outbound rule the module manages, rule name → `Active`, `Inactive` or `Failed`."
  value = merge(
    { for k, r in aml_managed_network_outbound_rule.fqdn : k => r.status },
    { for k, r in aml_managed_network_outbound_rule.service_tag : k => r.status },
    { for k, r in aml_managed_network_outbound_rule.private_endpoint : k => r.status },
  )
}

output "outbound_fqdns" {
  description = "The FQDN rules, rule name → host (the presets' hosts and the custom ones)."
  value       = local.fqdn_rules
}

output "online_endpoints" {
  description = "The online endpoints, name → `id`, `scoring_uri`, `public_network_access` and `provisioning_state`."
  value = {
    for k, e in aml_online_endpoint.this : k => {
      id                    = e.id
      scoring_uri           = e.scoring_uri
      public_network_access = e.public_network_access
      provisioning_state    = e.provisioning_state
    }
  }
}

output "isolation" {
  description = "The isolation check of the secured workspace (`aml_workspace_isolation`, read after everything the module creates, without the `isolation_ignore` codes): `isolated` (no error and no warning), `error_count`, `warning_count`, `info_count`, and `findings`, each `code`, `severity`, `resource_id`, `attribute`, `message` and `fix`."
  value = {
    isolated      = data.aml_workspace_isolation.this.isolated
    error_count   = data.aml_workspace_isolation.this.error_count
    warning_count = data.aml_workspace_isolation.this.warning_count
    info_count    = data.aml_workspace_isolation.this.info_count
    findings      = data.aml_workspace_isolation.this.findings
  }
}

output "isolation_errors" {
  description = "The isolation check's `error` findings, one line each: `<code> <resource ID>: <message> Fix: <fix>` (empty when none)."
  value       = [for f in data.aml_workspace_isolation.this.findings : "${f.code} ${f.resource_id}: ${f.message} Fix: ${f.fix}" if f.severity == "error"]
}

output "isolation_codes" {
  description = "The codes of the isolation findings, severity → sorted distinct codes (`error`, `warning`, `info`), for asserts and pipeline logs."
  value       = { for sev in ["error", "warning", "info"] : sev => sort(distinct([for f in data.aml_workspace_isolation.this.findings : f.code if f.severity == sev])) }
}
