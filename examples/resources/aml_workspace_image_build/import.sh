# The workspace's ARM ID.
terraform import aml_workspace_image_build.this \
  /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-secure
