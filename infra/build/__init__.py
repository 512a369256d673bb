"""Build-time tools: the template gate (SAM transform + cfn-lint) and the OpenAPI document generator."""
