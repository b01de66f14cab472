"""The scoring pipeline: base signals, the FRAUD_CHECKS hooks, the risk score, then the rules.

Nothing here writes to the database. The Django parts of the app (`fraud.services`,
`fraud.selectors`, `fraud.admin`) call into it; it reads the rules, lists and risk models
through `fraud.models`. The leaf modules (`context`, `errors`, `rules`) import nothing else
of fraud. The layers are import-linter contracts in pyproject.toml.

This package's `__init__` stays empty of imports, so that `fraud.models` can read the rule
language (`fraud.pipeline.rules`) without loading the rest of the pipeline.
"""
