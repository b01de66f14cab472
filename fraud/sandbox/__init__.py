"""Sandbox code of the fraud context: never needed in production.

- `simulator_cards`: the `test_cards` check that recognises the contract's test cards (drop it from FRAUD_CHECKS);
- `traffic`: synthetic, labeled traffic for `manage.py simulate_traffic` and model training.
"""
