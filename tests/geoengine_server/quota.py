"""Work in progress."""


class QuotaLedger:
    def __init__(self, config):
        self.config = config
