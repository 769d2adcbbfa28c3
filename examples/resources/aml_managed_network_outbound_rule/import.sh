# <workspace ID>/outboundRules/<rule name>
terraform import aml_managed_network_outbound_rule.data_factory \
  /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-prod/outboundRules/datafactory
