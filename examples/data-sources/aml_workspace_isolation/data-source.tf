# Check the workspace's network isolation at every plan. A postcondition on the data source fails
# `terraform plan` (and so the pipeline) when there is an error finding; a `check` block would only
# warn.
data "aml_workspace_isolation" "this" {
  workspace_id = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-aml-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo"

  # This network resolves the workspace through a custom DNS server, not private DNS zones.
  ignore = ["AML-PE-002"]

  lifecycle {
    postcondition {
      condition = self.error_count == 0
      error_message = join("\n", [
        for f in self.findings : "${f.code} on ${f.resource_id}: ${f.message} Fix: ${f.fix}" if f.severity == "error"
      ])
    }
  }
}

# Warnings and infos, for the pipeline's log.
output "isolation_findings" {
  value = [for f in data.aml_workspace_isolation.this.findings : "${f.severity} ${f.code}: ${f.message}"]
}
