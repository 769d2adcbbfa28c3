# Register a workspace endpoint in both AML zones (see aml_private_dns_zone for the zones).
resource "aml_private_dns_zone_group" "workspace" {
  name                = "default"
  private_endpoint_id = aml_private_endpoint.workspace.id
  private_dns_zone_ids = [
    for z in aml_private_endpoint.workspace.private_dns_zone_names : aml_private_dns_zone.aml[z].id
  ]
}

output "records" {
  value = [for r in aml_private_dns_zone_group.workspace.record_sets : "${r.fqdn} -> ${join(",", r.ip_addresses)}"]
}
