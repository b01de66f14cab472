"""Sandbox code: the simulated processor and what plays the outside world in development and tests.

- `connector`: `SimulatorConnector`, the simulated card processor (test cards, latency, failures)
- `disputes`: the simulated processor's disputes and the notifications it schedules
- `three_d_secure_page`: the simulated issuer's hosted 3-D Secure page (`/simulator/3ds/`)
- `notifications`: the simulated processor sending its notifications to the platform
- `traffic`: the payments runner of `simulate_traffic`

Production code never imports this package: a deployment with a real connector configures its
class in PAYMENT_CONNECTORS and sets SANDBOX_ENABLED=false, which leaves the `/simulator/3ds/`
route and the runner out.
"""
