"""Sessions over real sockets: anonymous, login, session, logout and the exact 401 messages."""

import pytest
import requests


def test_anonymous_session_is_usable(base_url):
    session = requests.post(f"{base_url}/anonymous", timeout=10).json()
    info = requests.get(f"{base_url}/session", headers={"Authorization": f"Bearer {session['id']}"}, timeout=10)
    assert info.status_code == 200
    assert info.json()["id"] == session["id"]
    assert info.json()["roles"][1] == "fd8e87bf-515c-4f36-8da6-1a53702ff102"


def test_wrong_login_is_401_with_geoengine_message(base_url):
    r = requests.post(f"{base_url}/login", json={"email": "admin@localhost", "password": "nope"}, timeout=10)
    assert r.status_code == 401
    assert r.json() == {
        "error": "Unauthorized",
        "message": "Authorization error: User does not exist or password is wrong.",
    }


def test_missing_header_and_bad_scheme(base_url):
    r = requests.get(f"{base_url}/session", timeout=10)
    assert (r.status_code, r.json()["message"]) == (
        401,
        "Authorization error: Header with authorization token not provided.",
    )
    r = requests.get(f"{base_url}/session", headers={"Authorization": "Basic abc"}, timeout=10)
    assert r.json()["message"] == "Authorization error: Authentication scheme must be Bearer."
    r = requests.get(f"{base_url}/session", headers={"Authorization": "Bearer 123"}, timeout=10)
    assert r.json()["message"] == "Authorization error: Identifier does not have the right format."


def test_logout_invalidates_token(base_url):
    token = requests.post(
        f"{base_url}/login", json={"email": "admin@localhost", "password": "adminadmin"}, timeout=10
    ).json()["id"]
    auth = {"Authorization": f"Bearer {token}"}
    r = requests.post(f"{base_url}/logout", headers=auth, timeout=10)
    assert (r.status_code, r.content) == (200, b"")
    r = requests.get(f"{base_url}/session", headers=auth, timeout=10)
    assert r.json() == {"error": "Unauthorized", "message": "Authorization error: The session id is invalid."}


def test_unknown_route_and_method(base_url):
    r = requests.get(f"{base_url}/nothing/here", timeout=10)
    assert (r.status_code, r.json()) == (404, {"error": "NotFound", "message": "Not Found"})
    r = requests.delete(f"{base_url}/session", timeout=10)
    assert (r.status_code, r.json()["error"]) == (405, "MethodNotAllowed")
    assert requests.get(f"{base_url}/available", timeout=10).status_code == 204


@pytest.mark.parametrize("fresh_server", [{}], indirect=True)  # nothing computed yet
def test_the_built_in_admin_is_the_admin_role(fresh_server):
    """Geo Engine's admin user has the admin role's id as its id, that one role, the real name "admin" and the
    largest bigint as quota (its database migration)."""
    admin_role, base_url = "d5328854-6190-4af9-ad69-4e74b0961ac9", fresh_server.base_url
    body = requests.post(f"{base_url}/login", json={"email": "admin@localhost", "password": "adminadmin"},
                         timeout=10).json()
    assert body["user"] == {"id": admin_role, "email": "admin@localhost", "realName": "admin"}
    assert body["roles"] == [admin_role]
    quota = requests.get(f"{base_url}/quota", headers={"Authorization": f"Bearer {body['id']}"}, timeout=10).json()
    assert quota["available"] == 2**63 - 1
