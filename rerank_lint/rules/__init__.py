"""All rules, in one explicit table (`ALL_RULES`, indexed by code in `REGISTRY`)."""
