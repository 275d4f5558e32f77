"""The server's shared services, created once per application and kept on it by key.

| key         | object                          | module        |
| ----------- | ------------------------------- | ------------- |
| "catalog"   | datasets, layers, collections    | catalog.py    |
| "workflows" | registered workflows by id       | workflows.py  |
| "tasks"     | background tasks                 | tasks.py      |
| "quota"     | quota, computations, data usage  | quota.py      |
"""

from __future__ import annotations

from aiohttp import web

from .config import ServerConfig


class Services:
    @staticmethod
    def install(app: web.Application, config: ServerConfig) -> None:
        from .catalog import Catalog
        from .examples import register_examples
        from .quota import QuotaLedger
        from .tasks import TaskManager
        from .workflows import WorkflowRegistry

        app["catalog"] = Catalog.load(config.data_dir)
        app["workflows"] = WorkflowRegistry(app["catalog"])
        register_examples(app["workflows"])  # the IDs the README and the plugin's help show exist at once
        app["tasks"] = TaskManager()
        app["quota"] = QuotaLedger(config)
