"""Offline work of the fraud context, never on a request's path: training the risk model (`training`)."""
