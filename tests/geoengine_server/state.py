"""Users and sessions: the server's in-memory user database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

# Built-in role ids: geo-engine/geoengine@5748ef7:geoengine/services/src/permissions/mod.rs
ADMIN_ROLE = "d5328854-6190-4af9-ad69-4e74b0961ac9"
REGISTERED_ROLE = "4e8081b6-8aa6-4275-af0c-2fa2da557d28"
ANONYMOUS_ROLE = "fd8e87bf-515c-4f36-8da6-1a53702ff102"

ADMIN_EMAIL, ADMIN_PASSWORD = "admin@localhost", "adminadmin"
USER_EMAIL, USER_PASSWORD = "analyst@example.org", "analyst-password"


# Timestamps with milliseconds and Z: geo-engine/geoengine@5748ef7:geoengine/datatypes/src/primitives/datetime.rs
def format_timestamp(moment: datetime) -> str:
    """Session and task timestamps: ``2021-04-26T13:47:10.579Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class User:
    id: str
    email: str | None = None
    password: str | None = None
    real_name: str | None = None
    is_admin: bool = False
    is_anonymous: bool = False

    @property
    def roles(self) -> list[str]:
        if self.is_anonymous:
            return [self.id, ANONYMOUS_ROLE]
        if self.id == ADMIN_ROLE:  # the built-in admin's own role is the admin role
            return [ADMIN_ROLE]
        return [self.id, ADMIN_ROLE if self.is_admin else REGISTERED_ROLE]


# The UserSession JSON: geo-engine/geoengine@5748ef7:geoengine/services/src/users/session.rs
@dataclass
class Session:
    id: str
    user: User
    created: datetime
    valid_until: datetime

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "user": {"id": self.user.id, "email": self.user.email, "realName": self.user.real_name},
            "created": format_timestamp(self.created),
            "validUntil": format_timestamp(self.valid_until),
            "project": None,
            "view": None,
            "roles": self.user.roles,
        }


@dataclass
class UserDb:
    """Registered users (admin plus one analyst) and live sessions."""

    session_lifetime_s: float
    users: dict[str, User] = field(default_factory=dict)  # by id
    sessions: dict[str, Session] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The built-in admin: user id = the admin role id, real name "admin"
        # (geo-engine/geoengine@5748ef7:geoengine/services/src/contexts/migrations/current_schema.rs)
        self.users[ADMIN_ROLE] = User(ADMIN_ROLE, ADMIN_EMAIL, ADMIN_PASSWORD, "admin", is_admin=True)
        user_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"geoengine-test-user:{USER_EMAIL}"))
        self.users[user_id] = User(user_id, USER_EMAIL, USER_PASSWORD, "Ana Lyst")

    def user_by_email(self, email: str) -> User | None:
        return next((u for u in self.users.values() if u.email == email), None)

    def new_session(self, user: User) -> Session:
        now = datetime.now(timezone.utc)
        session = Session(str(uuid.uuid4()), user, now, now + timedelta(seconds=self.session_lifetime_s))
        self.sessions[session.id] = session
        return session

    def new_anonymous_session(self) -> Session:
        user = User(str(uuid.uuid4()), is_anonymous=True)
        self.users[user.id] = user
        return self.new_session(user)

    def valid_session(self, token: str) -> Session | None:
        session = self.sessions.get(token)
        if session is None:
            return None
        if session.valid_until <= datetime.now(timezone.utc):
            del self.sessions[token]
            return None
        return session

    def expire_all_sessions(self) -> None:
        """Fault injection: every current token becomes invalid, as after a session timeout."""
        self.sessions.clear()
