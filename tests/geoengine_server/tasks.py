"""Work in progress."""


class TaskManager:
    pass
