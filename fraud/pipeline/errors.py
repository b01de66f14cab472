"""What a check raises when its data source is down: a leaf module, imported by the checks and by assess."""


class SignalUnavailable(Exception):
    """A check's data source is down: the assessment continues and lists `signal` as missing."""

    def __init__(self, signal: str, detail: str = ""):
        self.signal = signal
        super().__init__(detail or signal)
