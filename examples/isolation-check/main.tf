# An isolation gate for a pipeline: `terraform plan` fails when the workspace has an isolation
# error (an unapproved private endpoint connection, a missing private DNS zone or zone link, a
# public online endpoint on a private workspace, a failed outbound rule, ...), and prints the
# warnings without failing. Every finding names the fix; see docs/guides/isolation-check.md.
#
# Runs as is against the emulator (see README.md): the default is the emulator's seeded
# workspace. For Azure, pass your own workspace ID.

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
  description = "The ARM ID of the workspace (or hub) to check."
  default     = "/subscriptions/00000000-0000-4000-8000-00000000a3b1/resourceGroups/rg-aml-demo/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo"
}

variable "ignore" {
  type        = list(string)
  description = "Finding codes this deployment accepts, e.g. AML-PE-002 behind a custom DNS server."
  default     = []
}

# The gate: a postcondition on the data source is an error, so the plan fails (exit code 1) and
# lists every error finding with its fix.
data "aml_workspace_isolation" "this" {
  workspace_id = var.workspace_id
  ignore       = var.ignore

  lifecycle {
    postcondition {
      condition = self.error_count == 0
      error_message = join("\n", concat(
        ["The workspace is not isolated:"],
        [for f in self.findings : "${f.code} ${f.resource_id}: ${f.message} Fix: ${f.fix}" if f.severity == "error"],
      ))
    }
  }
}

# Warnings: a check block reports them in the plan's output without failing it.
check "isolation_warnings" {
  assert {
    condition = data.aml_workspace_isolation.this.warning_count == 0
    error_message = join("\n", [
      for f in data.aml_workspace_isolation.this.findings : "${f.code} ${f.resource_id}: ${f.message} Fix: ${f.fix}" if f.severity == "warning"
    ])
  }
}

output "isolated" {
  value = data.aml_workspace_isolation.this.isolated
}

output "findings" {
  value = [for f in data.aml_workspace_isolation.this.findings : "${f.severity} ${f.code}: ${f.message}"]
}
