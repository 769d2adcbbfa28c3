# The workspace's registry is private (Premium, public access Disabled), so images are built on
# the compute cluster "image-builder" of the workspace. Destroy puts back the previous setting.
resource "aml_workspace_image_build" "this" {
  workspace_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-secure"
  compute_name = "image-builder"
}
