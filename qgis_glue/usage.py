"""Quota and data usage for the quota dock: worker-thread calls on core and the shapes the dock shows.

Admin features (another user's quota, data usage, usage summary) need Geo Engine's admin role; :func:`is_admin`
reads it from the session's roles. Non-admins get the server's 401/400 from the calls, which the dock shows.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional

from ..core.quota import DataUsage, DataUsageSummary, Quota, UsageSummaryGranularity, get_quota, update_quota
from ..core.quota import data_usage as core_data_usage
from ..core.quota import data_usage_summary as core_data_usage_summary
from .i18n import tr
from .plot_model import Bar, BarChart

ADMIN_ROLE = "d5328854-6190-4af9-ad69-4e74b0961ac9"  # Geo Engine's built-in admin role
GRANULARITIES = [g.value for g in UsageSummaryGranularity]
_TIME_FORMATS = {"minutes": "%Y-%m-%d %H:%M", "hours": "%Y-%m-%d %H:00", "days": "%Y-%m-%d", "months": "%Y-%m",
                 "years": "%Y"}


def is_admin(session) -> bool:
    return ADMIN_ROLE in {str(r).lower() for r in (getattr(session, "roles", None) or ())}


@dataclass(frozen=True)
class QuotaView:
    """What the top of the dock shows for the connection's user."""

    quota: Quota
    user: str
    user_id: str
    admin: bool


def load_quota(session) -> QuotaView:
    """Worker thread: ``GET /quota`` for the session's user."""
    quota = get_quota(session=session)
    user = getattr(session, "email", None) or f"anonymous user {getattr(session, 'user_id', '')}"
    return QuotaView(quota, user, str(getattr(session, "user_id", "") or ""), is_admin(session))


def set_user_quota(session, user_id: str, available: int) -> Quota:
    """Worker thread: ``POST /quotas/{user}`` then ``GET /quotas/{user}`` (what the server now says)."""
    update_quota(user_id, available, session=session)
    return get_quota(user_id, session=session)


def user_quota(session, user_id: str) -> Quota:
    return get_quota(user_id, session=session)


def load_data_usage(session, offset: int = 0, limit: int = 20) -> List[DataUsage]:
    return core_data_usage(offset, limit, session=session, as_dataframe=False)


def load_usage_summary(session, granularity: str, dataset: Optional[str] = None, offset: int = 0,
                       limit: int = 20) -> List[DataUsageSummary]:
    return core_data_usage_summary(granularity, dataset or None, offset, limit, session=session, as_dataframe=False)


def format_time(moment: Optional[datetime], granularity: str = "minutes") -> str:
    if moment is None:
        return "—"
    return moment.strftime(_TIME_FORMATS.get(granularity, "%Y-%m-%d %H:%M:%S"))


def summary_chart(rows: List[DataUsageSummary], granularity: str, dataset: Optional[str] = None) -> BarChart:
    """Counts per time bucket (summed over datasets unless one is chosen), oldest first."""
    totals: OrderedDict[str, float] = OrderedDict()
    for row in sorted(rows, key=lambda r: r.timestamp or datetime.min):
        label = format_time(row.timestamp, granularity)
        totals[label] = totals.get(label, 0) + row.count
    title = tr("Data usage of {dataset}").format(dataset=dataset) if dataset else tr("Data usage of all datasets")
    return BarChart([Bar(label, value) for label, value in totals.items()], granularity, "count", title)
