"""Sandbox code of the wallets context: the simulated bank that settles payouts (`bank`) and the
traffic simulation runner of `simulate_traffic --mode wallets` (`traffic`).

Nothing here talks to a real bank. A production deployment with a real bank connector replaces
`bank` and leaves `traffic` out (it is only registered through `fraud.api`).
"""
