"""Work in progress."""


class WorkflowRegistry:
    def __init__(self, catalog):
        self.catalog = catalog
