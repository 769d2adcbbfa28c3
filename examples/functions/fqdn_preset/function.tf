locals {
  # ["anaconda.com", "*.anaconda.com", "*.anaconda.org", "pypi.org", ...]
  python_fqdns = provider::aml::fqdn_preset("python_packages")

  # Several presets at once, without duplicates.
  tool_fqdns = distinct(concat(
    provider::aml::fqdn_preset("vscode"),
    provider::aml::fqdn_preset("huggingface"),
  ))
}
