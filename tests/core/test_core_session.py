"""core.session / core.http against the test server over real sockets: logins, env precedence, expiry and
re-login, faults (500, refused, timeout, non-JSON bodies), server generations, and no token in any text."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from client_helpers import (  # noqa: E402
    ADMIN,
    ANALYST,
    NDVI,
    NDVI_ID,
    closed_port,
    expire_all_sessions,
    filtering_proxy,
    plain_http_server,
    raw_anonymous_token,
    raw_session_valid,
)
from geoengine_qgis.core import session as session_module  # noqa: E402
from geoengine_qgis.core.errors import (  # noqa: E402
    GeoEngineConnectionError,
    GeoEngineTimeoutError,
    InputError,
    MalformedResponseError,
    NotFoundError,
    ServerError,
    SessionExpiredError,
    UnauthorizedError,
    UninitializedError,
)
from geoengine_qgis.core.quota import get_quota  # noqa: E402
from geoengine_qgis.core.session import Session, get_session, initialize, reset  # noqa: E402
from geoengine_qgis.core.workflow import register_workflow, workflow_by_id  # noqa: E402


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("GEOENGINE_EMAIL", "GEOENGINE_PASSWORD", "GEOENGINE_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    yield
    session_module._default = None


def token_of(session: Session) -> str:
    return session.auth_header["Authorization"].split(" ", 1)[1]


def quota_matches_the_server(session: Session, **kwargs) -> bool:
    """get_quota's numbers equal GET /quota read with plain requests and the session's current token."""
    import requests

    quota = get_quota(session=session, **kwargs)
    raw = requests.get(f"{session.server_url}/quota", headers={"Authorization": f"Bearer {token_of(session)}"},
                       timeout=10).json()
    return (quota.available, quota.used) == (raw["available"], raw["used"])


# -------------------------------------------------------------------------------------------- logins


@pytest.mark.parametrize("suffix", ["", "/", "/api", "/api/"])
def test_server_url_forms_are_normalised(server, suffix):
    root = server.base_url[: -len("/api")]
    session = Session(root + suffix)
    assert session.server_url == server.base_url
    assert session.kind == "anonymous" and session.user_id
    assert raw_session_valid(server.base_url, token_of(session))


def test_credential_session_and_wrong_password(base_url):
    session = Session(base_url, credentials=ADMIN)
    assert session.kind == "credentials" and session.email == ADMIN[0]
    assert "d5328854-6190-4af9-ad69-4e74b0961ac9" in session.roles  # the admin role
    with pytest.raises(UnauthorizedError) as info:
        Session(base_url, credentials=(ADMIN[0], "wrong-password"))
    assert info.value.status == 401 and "password is wrong" in str(info.value)
    assert "wrong-password" not in str(info.value) and "wrong-password" not in repr(info.value)


def test_token_session_reuses_an_existing_session(base_url):
    token = raw_anonymous_token(base_url)
    session = Session(base_url, token=token)
    assert session.kind == "token" and token_of(session) == token
    assert get_quota(session=session).available > 0


def test_bad_arguments_are_refused_before_any_request():
    nowhere = f"http://127.0.0.1:{closed_port()}/api"  # any request would fail with a connection error
    with pytest.raises(InputError, match="both credentials and token"):
        Session(nowhere, credentials=ADMIN, token="00000000-0000-0000-0000-000000000000")
    with pytest.raises(InputError) as info:
        Session(nowhere, token="not-a-uuid-secret-value")
    assert info.value.field == "token" and "secret-value" not in str(info.value)
    for bad in (("only-email",), ("", "pw"), ("a@b", 3)):
        with pytest.raises(InputError) as info:
            Session(nowhere, credentials=bad)
        assert info.value.field == "credentials"


def test_environment_precedence(base_url, monkeypatch):
    env_token = raw_anonymous_token(base_url)
    arg_token = raw_anonymous_token(base_url)
    monkeypatch.setenv("GEOENGINE_TOKEN", env_token)
    assert token_of(Session(base_url)) == env_token  # env token > anonymous
    assert token_of(Session(base_url, token=arg_token)) == arg_token  # token argument > env token
    monkeypatch.setenv("GEOENGINE_EMAIL", ANALYST[0])
    monkeypatch.setenv("GEOENGINE_PASSWORD", ANALYST[1])
    from_env = Session(base_url, token=arg_token)  # env email+password > token argument (official rule)
    assert from_env.kind == "credentials" and from_env.email == ANALYST[0]
    explicit = Session(base_url, credentials=ADMIN)  # explicit credentials > env email+password
    assert explicit.email == ADMIN[0]
    assert Session(base_url, use_env=False).kind == "anonymous"


def test_logout_invalidates_the_token(base_url):
    session = Session(base_url, credentials=ANALYST)
    token = token_of(session)
    session.logout()
    assert not raw_session_valid(base_url, token)
    with pytest.raises(SessionExpiredError, match="logged out"):
        session.get_json("quota")


def test_module_level_initialize_get_session_reset(base_url):
    with pytest.raises(UninitializedError):
        get_session()
    with pytest.raises(UninitializedError):
        workflow_by_id(NDVI_ID)
    session = initialize(base_url, credentials=ANALYST)
    assert get_session() is session
    workflow = register_workflow(NDVI)
    assert str(workflow) == NDVI_ID and workflow.session is session
    token = token_of(session)
    reset()
    assert not raw_session_valid(base_url, token)
    with pytest.raises(UninitializedError):
        get_session()
    kept = initialize(base_url)
    reset(logout=False)
    assert raw_session_valid(base_url, token_of(kept))


# -------------------------------------------------------------------------------------------- expiry


@pytest.mark.parametrize("credentials", [ANALYST, None], ids=["credentials", "anonymous"])
def test_expired_session_logs_in_again_once(server, credentials):
    session = Session(server.base_url, credentials=credentials)
    workflow = register_workflow(NDVI, session=session)
    old = token_of(session)
    expire_all_sessions(server)
    assert quota_matches_the_server(session)  # renewed and repeated
    assert token_of(session) != old and raw_session_valid(server.base_url, token_of(session))
    expire_all_sessions(server)
    assert workflow.workflow_definition()["operator"]["params"]["data"] == "ndvi"


def test_expired_token_session_raises_a_clear_error(server):
    token = raw_anonymous_token(server.base_url)
    session = Session(server.base_url, token=token)
    expire_all_sessions(server)
    with pytest.raises(SessionExpiredError) as info:
        get_quota(session=session)
    assert "expired" in str(info.value) and "token" in str(info.value)
    assert info.value.status == 401 and token not in str(info.value) and token not in repr(info.value)
    with pytest.raises(SessionExpiredError):
        session.renew()
    with pytest.raises(SessionExpiredError, match="invalid or has expired"):
        Session(server.base_url, token=token)


def test_renew_skips_when_another_caller_already_renewed(base_url):
    session = Session(base_url)
    stale = session.auth_header
    session.renew()
    fresh = session.auth_header
    assert fresh != stale
    session.renew(stale)  # already renewed: no new login
    assert session.auth_header == fresh


# -------------------------------------------------------------------------------------------- faults


def test_injected_500_is_a_server_error_with_status_and_url(server, faults):
    session = Session(server.base_url)
    faults.http_500_remaining = 1
    with pytest.raises(ServerError) as info:
        get_quota(session=session)
    error = info.value
    assert error.status == 500 and error.error == "InternalServerError" and "Injected fault" in error.message
    assert error.url == f"GET {server.base_url}/quota" and token_of(session) not in str(error)
    assert quota_matches_the_server(session)  # the next request is served again


def test_connection_refused():
    url = f"http://127.0.0.1:{closed_port()}/api"
    with pytest.raises(GeoEngineConnectionError) as info:
        Session(url)
    # the first request asks where the API is (GET <url>/info) and carries no credentials
    assert "connection refused" in str(info.value) and info.value.url == f"GET {url}/info"


def test_broken_proxy_is_named_in_the_error(base_url):
    with pytest.raises(GeoEngineConnectionError, match="proxy"):
        Session(base_url, proxies={"http": f"http://127.0.0.1:{closed_port()}"})


def test_timeout_with_a_small_client_timeout(server, faults):
    session = Session(server.base_url, timeout=0.3)
    faults.latency_s = 1.5
    with pytest.raises(GeoEngineTimeoutError) as info:
        get_quota(session=session)
    assert "0.3 s" in str(info.value) and info.value.url.endswith("/quota")
    faults.latency_s = 0
    assert quota_matches_the_server(session, timeout=10)


@pytest.mark.parametrize(("status", "body"), [(502, b"<html><body>Bad gateway</body></html>"), (500, b"")])
def test_non_json_error_bodies(status, body):
    with plain_http_server(status, body) as url:
        with pytest.raises(MalformedResponseError) as info:
            Session(url)
    assert info.value.status == status and "non-JSON body" in str(info.value)
    if body:
        assert "Bad gateway" in str(info.value)


def test_non_json_success_body_is_malformed():
    with plain_http_server(200, b"<html>captive portal</html>") as url:
        with pytest.raises(MalformedResponseError, match="expected JSON"):
            Session(url)


# -------------------------------------------------------------------------------------------- generations


def test_generation_detected_from_info_on_a_0_9_server(base_url):
    session = Session(base_url)
    assert session.api_generation == "0.9" and session.server_version.startswith("0.9")
    assert session.api_paths.workflow == "workflow" and session.api_paths.zip_definition_name == "workflow.json"


@pytest.mark.parametrize("fresh_server", [{"version": "0.10.0"}], indirect=True)
def test_generation_detected_from_info_on_a_0_10_server(fresh_server):
    session = Session(fresh_server.base_url)
    assert session.api_generation == "0.10" and session.server_version == "0.10.0"
    assert session.api_paths.workflow == "processingGraphs"
    assert session.api_paths.dataset_from_workflow == "datasetFromProcessingGraph"
    workflow = register_workflow(NDVI, session=session)
    assert str(workflow) == NDVI_ID and workflow.definition()["operator"]["type"] == "GdalSource"


@pytest.mark.parametrize("version", ["0.9", "0.10"])
def test_forced_generation_works_on_a_server_with_both_families(base_url, version):
    session = Session(base_url, api_version=version)
    assert session.api_generation == version
    workflow = register_workflow(NDVI, session=session)
    assert workflow.get_result_descriptor().bands[0].name == "ndvi"
    assert workflow.get_provenance()[0].citation.startswith("Nasa Earth Observations")


def test_bad_forced_generation_is_refused(base_url):
    with pytest.raises(InputError) as info:
        Session(base_url, api_version="ten")
    assert info.value.field == "api_version"


# -------------------------------------------------------------------------------------------- secrecy


def test_tokens_never_appear_in_messages_reprs_or_logs(server, faults, caplog):
    caplog.set_level(logging.DEBUG)
    session = Session(server.base_url, credentials=ANALYST)
    tokens = {token_of(session)}
    texts = [repr(session), str(session), repr(session.requests_bearer_auth())]
    faults.http_500_remaining = 1
    with pytest.raises(ServerError) as info:
        get_quota(session=session)
    texts += [str(info.value), repr(info.value)]
    expire_all_sessions(server)
    get_quota(session=session)  # re-login: a second token
    tokens.add(token_of(session))
    with pytest.raises(UnauthorizedError) as info:
        get_quota("4e8081b6-8aa6-4275-af0c-2fa2da557d28", session=session)  # someone else's quota
    texts += [str(info.value), repr(info.value)]
    token_session = Session(server.base_url, token=raw_anonymous_token(server.base_url))
    tokens.add(token_of(token_session))
    expire_all_sessions(server)
    with pytest.raises(SessionExpiredError) as info:
        get_quota(session=token_session)
    texts += [str(info.value), repr(info.value), repr(token_session), caplog.text]
    assert len(tokens) == 3
    for token in tokens:
        for text in texts:
            assert token not in text
    assert ANALYST[1] not in caplog.text and ANALYST[1] not in repr(session)


def test_generation_fallback_on_404_without_info(base_url):
    """A server without /info and without the /workflow family: the client switches to /processingGraphs once."""
    hidden = ("/api/info", "/api/workflow", "/api/datasetFromWorkflow")
    with filtering_proxy(base_url, hidden) as (url, seen):
        session = Session(url)
        assert session.api_generation == "0.9" and session.server_version is None  # nothing detected yet
        workflow = register_workflow(NDVI, session=session)
        assert session.api_generation == "0.10" and str(workflow) == NDVI_ID
        assert workflow.get_provenance()[0].citation.startswith("Nasa")
        misses = [entry for entry in seen if entry[2] == 404]
    assert misses == [("GET", "/api/info", 404), ("POST", "/api/workflow", 404)]
    assert ("GET", f"/api/processingGraphs/{NDVI_ID}/provenance", 200) in seen


def test_forced_generation_does_not_fall_back(base_url):
    with filtering_proxy(base_url, ("/api/workflow",)) as (url, _seen):
        session = Session(url, api_version="0.9")
        with pytest.raises(NotFoundError):
            register_workflow(NDVI, session=session)


def test_environment_proxies_are_ignored_with_trust_env_false(base_url, monkeypatch):
    dead_proxy = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("HTTP_PROXY", dead_proxy)
    monkeypatch.setenv("http_proxy", dead_proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with pytest.raises(GeoEngineConnectionError, match="proxy"):
        Session(base_url)
    assert Session(base_url, trust_env=False).kind == "anonymous"


def test_concurrent_requests_after_expiry_log_in_once(fresh_server):
    import threading

    session = Session(fresh_server.base_url, credentials=ANALYST)
    users = fresh_server.api["users"]
    expire_all_sessions(fresh_server)
    assert fresh_server.call(lambda: len(users.sessions)) == 0
    barrier = threading.Barrier(8, timeout=30)
    results, failures = [], []

    def call():
        try:
            barrier.wait()
            results.append(get_quota(session=session).available)
        except Exception as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures and len(results) == 8
    assert fresh_server.call(lambda: len(users.sessions)) == 1  # one re-login shared by all eight


def test_session_as_context_manager_logs_out(base_url):
    with Session(base_url, credentials=ANALYST) as session:
        token = token_of(session)
        assert raw_session_valid(base_url, token)
    assert not raw_session_valid(base_url, token)


@pytest.mark.parametrize("fresh_server", [{"version": "0.10.0"}], indirect=True)
def test_two_connections_at_once(server, fresh_server):
    old = Session(server.base_url, credentials=ANALYST)
    new = Session(fresh_server.base_url, credentials=ADMIN)
    old_ndvi, new_ndvi = register_workflow(NDVI, session=old), register_workflow(NDVI, session=new)
    assert (old.api_generation, new.api_generation) == ("0.9", "0.10")
    assert old_ndvi.session is old and new_ndvi.session is new
    expire_all_sessions(fresh_server)  # only the second server forgets its sessions
    assert old_ndvi.workflow_definition() == new_ndvi.workflow_definition()
    assert raw_session_valid(server.base_url, token_of(old)) and raw_session_valid(fresh_server.base_url,
                                                                                   token_of(new))
    with pytest.raises(UninitializedError):
        get_session()  # explicit sessions never touch the module-level default
