# The endpoint's ARM ID: the workspace ID, /onlineEndpoints/, and the endpoint name.
terraform import aml_online_endpoint.secure \
  /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-secure/onlineEndpoints/score-secure
