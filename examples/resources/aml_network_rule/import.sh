# <workspace ID>/networkRules/<address>; write the "/" of a CIDR range as %2F.
terraform import 'aml_network_rule.allowed["52.160.10.4"]' \
  /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-prod/networkRules/52.160.10.4

terraform import 'aml_network_rule.allowed["20.42.0.0/24"]' \
  /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-prod/networkRules/20.42.0.0%2F24
