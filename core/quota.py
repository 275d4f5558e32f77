"""Quota and data usage (wire reference 6): ``get_quota``, ``update_quota``, ``data_usage``, ``data_usage_summary``.

``data_usage``/``data_usage_summary`` return a pandas ``DataFrame`` (columns ``timestamp`` (UTC), ``userId``,
``computationId``, ``data``, ``count`` / ``timestamp``, ``data``, ``count``) like the official client when pandas
can be imported, and otherwise a list of :class:`DataUsage` / :class:`DataUsageSummary`. Pass
``as_dataframe=False`` to always get the dataclasses.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from enum import Enum
from typing import Any, List, Optional, Union
from uuid import UUID

from .errors import InputError, MalformedResponseError
from .http import Timeout
from .session import Session, resolve_session
from .tasks import parse_timestamp
from .types import parse_uuid


class UsageSummaryGranularity(str, Enum):
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    MONTHS = "months"
    YEARS = "years"


@dataclass(frozen=True)
class Quota:
    available: int
    used: int

    @classmethod
    def from_response(cls, response: dict) -> Quota:
        try:
            return cls(int(response["available"]), int(response["used"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedResponseError(f"not a quota: {response!r}") from exc

    def to_dict(self) -> dict:
        return {"available": self.available, "used": self.used}


@dataclass(frozen=True)
class DataUsage:
    timestamp: Optional[datetime]
    user_id: str
    computation_id: str
    data: str
    count: int

    @classmethod
    def from_response(cls, response: dict) -> DataUsage:
        return cls(parse_timestamp(response.get("timestamp")), response.get("userId"), response.get("computationId"),
                   response.get("data"), int(response.get("count", 0)))

    def to_dict(self) -> dict:
        return {"timestamp": self.timestamp, "userId": self.user_id, "computationId": self.computation_id,
                "data": self.data, "count": self.count}


@dataclass(frozen=True)
class DataUsageSummary:
    timestamp: Optional[datetime]
    data: str
    count: int

    @classmethod
    def from_response(cls, response: dict) -> DataUsageSummary:
        return cls(parse_timestamp(response.get("timestamp")), response.get("data"), int(response.get("count", 0)))

    def to_dict(self) -> dict:
        return asdict(self)


def get_quota(user_id: Union[UUID, str, None] = None, timeout: Timeout = None,
              session: Optional[Session] = None) -> Quota:
    """``GET /quota`` (own) or ``GET /quotas/{user}`` (own or, for admins, anyone's)."""
    path = "quota" if user_id is None else f"quotas/{parse_uuid(user_id, 'user_id')}"
    return Quota.from_response(resolve_session(session).get_json(path, timeout=timeout))


def update_quota(user_id: Union[UUID, str], new_available_quota: int, timeout: Timeout = None,
                 session: Optional[Session] = None) -> None:
    """``POST /quotas/{user}`` with ``{"available": n}`` (admins only)."""
    user = parse_uuid(user_id, "user_id")
    if isinstance(new_available_quota, bool) or not isinstance(new_available_quota, int):
        raise InputError(f"must be an integer, got {new_available_quota!r}", field="new_available_quota")
    resolve_session(session).request("POST", f"quotas/{user}", json_body={"available": new_available_quota},
                                     timeout=timeout)


def _check_page(offset: int, limit: int) -> None:
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise InputError(f"must be an integer >= 0, got {offset!r}", field="offset")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
        raise InputError(f"must be an integer > 0, got {limit!r}", field="limit")


def _frame(rows: List[Any], columns: List[str], as_dataframe: Optional[bool]):
    if as_dataframe is False:
        return rows
    try:
        import pandas as pd
    except ImportError:
        if as_dataframe:
            from .errors import MissingDependencyError

            raise MissingDependencyError("pandas", "a data usage DataFrame") from None
        return rows
    frame = pd.DataFrame([row.to_dict() for row in rows], columns=columns)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    return frame


def _list(body: Any) -> list:
    if not isinstance(body, list):
        raise MalformedResponseError(f"expected a JSON list, got {type(body).__name__}")
    return body


def data_usage(offset: int = 0, limit: int = 10, timeout: Timeout = None, session: Optional[Session] = None,
               as_dataframe: Optional[bool] = None):
    """``GET /quota/dataUsage`` (admins only): one row per data access."""
    _check_page(offset, limit)
    body = resolve_session(session).get_json("quota/dataUsage", {"offset": offset, "limit": limit}, timeout)
    rows = [DataUsage.from_response(item) for item in _list(body)]
    return _frame(rows, ["timestamp", "userId", "computationId", "data", "count"], as_dataframe)


def data_usage_summary(granularity: Union[UsageSummaryGranularity, str], dataset: Optional[str] = None,
                       offset: int = 0, limit: int = 10, timeout: Timeout = None, session: Optional[Session] = None,
                       as_dataframe: Optional[bool] = None):
    """``GET /quota/dataUsage/summary`` (admins only): counts per time bucket and dataset."""
    try:
        granularity = UsageSummaryGranularity(granularity)
    except ValueError:
        raise InputError(f"must be one of minutes, hours, days, months, years; got {granularity!r}",
                         field="granularity") from None
    _check_page(offset, limit)
    active = resolve_session(session)
    if dataset:
        rows = _summary_of_dataset(active, granularity, dataset, offset, limit, timeout)
    else:
        params = {"granularity": granularity.value, "offset": offset, "limit": limit}
        body = active.get_json("quota/dataUsage/summary", params, timeout)
        rows = [DataUsageSummary.from_response(item) for item in _list(body)]
    return _frame(rows, ["timestamp", "data", "count"], as_dataframe)


SUMMARY_PAGE = 100
SUMMARY_MAX_PAGES = 100


def _summary_of_dataset(session: Session, granularity: UsageSummaryGranularity, dataset: str, offset: int,
                        limit: int, timeout: Timeout) -> List[DataUsageSummary]:
    """The summary rows of one dataset, filtered here: Geo Engine 0.9.3 answers every ``dataset=`` request with
    an SQL error (``TokioPostgres``: its query lacks a comma). Reads the unfiltered summary (ordered by time
    bucket, newest first, then dataset) page by page until ``offset + limit`` matching rows are found, or the
    rows end (at most ``SUMMARY_MAX_PAGES`` pages)."""
    found: List[DataUsageSummary] = []
    for page in range(SUMMARY_MAX_PAGES):
        params = {"granularity": granularity.value, "offset": page * SUMMARY_PAGE, "limit": SUMMARY_PAGE}
        body = _list(session.get_json("quota/dataUsage/summary", params, timeout))
        found.extend(row for row in map(DataUsageSummary.from_response, body) if row.data == dataset)
        if len(body) < SUMMARY_PAGE or len(found) >= offset + limit:
            break
    return found[offset:offset + limit]


def data_usage_for_computation(computation_id: Union[UUID, str], timeout: Timeout = None,
                               session: Optional[Session] = None) -> int:
    """``GET /quota/computations/{id}``: the summed ``count`` of a computation's operators."""
    body = resolve_session(session).get_json(f"quota/computations/{parse_uuid(computation_id, 'computation_id')}",
                                             timeout=timeout)
    return sum(int(item.get("count", 0)) for item in _list(body))
