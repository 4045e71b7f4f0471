"""Server hardening: the per-server cap on concurrent runs (queue, then a clear
refusal), the Host allow-list against DNS rebinding, security headers, the CLI's
``--host`` / ``--allow-host``.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import dash
import pytest
from typer.testing import CliRunner

import market
from dashboards import runs, security
from dashboards.app import Settings, create_app
from dashboards.jobs import JobGate, ServerBusy
from dashboards.views.run import run_job


def tiny_request(seed: int = 1, steps: int = 6) -> dict[str, Any]:
    spec = market.generic_scenario(n_labs=3, n_engineers=300).with_overrides({"steps": steps})
    return {"request_id": "x", "toml": market.scenario_to_toml(spec), "seed": seed}


def test_gate_queues_then_refuses(tmp_path: Path) -> None:
    gate = JobGate(tmp_path, slots=1, queue=1, timeout_s=30, poll_s=0.01)
    waits: list[str] = []
    with gate.slot():
        assert gate.busy() == 1
        queued_in = threading.Event()
        done = threading.Event()

        def queued() -> None:
            with gate.slot(lambda why: (waits.append(why), queued_in.set())):
                done.set()

        thread = threading.Thread(target=queued)
        thread.start()
        assert queued_in.wait(10)
        busy = pytest.raises(ServerBusy, match="1 runs are computing and 1 are waiting")
        with busy, gate.slot():
            pass  # pragma: no cover
        assert not done.is_set()  # still waiting while the slot is held
    thread.join(10)
    assert done.is_set()
    assert waits and "queued" in waits[0]
    assert gate.busy() == 0


def test_gate_queue_times_out(tmp_path: Path) -> None:
    gate = JobGate(tmp_path, slots=1, queue=1, timeout_s=0.2, poll_s=0.01)
    with gate.slot(), pytest.raises(ServerBusy, match="no run slot freed"), gate.slot():
        pass  # pragma: no cover


def test_at_most_max_jobs_run_at_once(tmp_path: Path) -> None:
    """Six forged jobs at once against 2 slots and 2 queue places: never more than two
    compute together, two wait and finish, the others are refused with a clear message.
    """
    store = runs.RunStore(tmp_path / "runs")
    gate = JobGate(tmp_path / "slots", slots=2, queue=2, timeout_s=60, poll_s=0.01)
    limits = runs.Limits()
    seen: list[int] = []
    barrier = threading.Barrier(6)
    results: list[Any] = []

    def job(seed: int) -> None:
        def progress(update: Any) -> None:
            seen.append(gate.busy())

        barrier.wait()
        results.append(run_job(tiny_request(seed, steps=24), store, limits, progress, gate))

    threads = [threading.Thread(target=job, args=(s,)) for s in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    ran = [r for r in results if r[0] is not dash.no_update]
    refused = [r for r in results if r[0] is dash.no_update]
    assert max(seen) <= 2
    assert len(ran) + len(refused) == 6
    assert len(ran) >= 2
    assert all("server busy" in str(r[1].children) for r in refused)


def test_host_names() -> None:
    assert security.host_name("localhost:8050") == "localhost"
    assert security.host_name("[::1]:8050") == "::1"
    assert security.host_name("Evil.Example") == "evil.example"
    assert security.allowed_hosts("127.0.0.1") == security.LOOPBACK_HOSTS
    assert "10.0.0.5" in security.allowed_hosts("10.0.0.5")
    assert security.allowed_hosts("0.0.0.0") is None
    assert security.allowed_hosts("0.0.0.0", ["box.lan"]) == (*security.LOOPBACK_HOSTS, "box.lan")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return create_app(Settings(cache_dir=tmp_path_factory.mktemp("h"))).server.test_client()


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:8050", "[::1]:8050"])
def test_loopback_hosts_are_served_with_security_headers(client: Any, host: str) -> None:
    response = client.get("/", headers={"Host": host})
    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/", "/_dash-layout", "/_dash-dependencies"])
def test_other_hosts_are_refused(client: Any, path: str) -> None:
    """DNS rebinding: a page on evil.example resolving to 127.0.0.1 gets nothing."""
    response = client.get(path, headers={"Host": "evil.example"})
    assert response.status_code == 400
    post = client.post("/_dash-update-component", json={}, headers={"Host": "evil.example:80"})
    assert post.status_code == 400


def test_widened_hosts(tmp_path: Path) -> None:
    app = create_app(Settings(cache_dir=tmp_path, allowed_hosts=("localhost", "box.lan")))
    c = app.server.test_client()
    assert c.get("/", headers={"Host": "box.lan:8050"}).status_code == 200
    assert c.get("/", headers={"Host": "evil.example"}).status_code == 400


def test_odd_is_served(client: Any) -> None:
    response = client.get("/docs/ODD.md")
    assert response.status_code == 200
    assert "ODD" in response.get_data(as_text=True)[:200]


def cli_app() -> Any:
    from market import cli

    cli._register_plugins()
    return cli.app


def test_cli_host_widens_the_allow_list(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[Settings] = []
    monkeypatch.setattr(dash.Dash, "run", lambda self, **kw: None)
    import dashboards.app as app_module

    real = app_module.create_app
    monkeypatch.setattr(app_module, "create_app", lambda s: made.append(s) or real(s))
    runner = CliRunner()
    assert runner.invoke(cli_app(), ["dashboard"]).exit_code == 0
    assert made[-1].allowed_hosts == security.LOOPBACK_HOSTS
    assert runner.invoke(cli_app(), ["dashboard", "--host", "10.1.2.3"]).exit_code == 0
    assert "10.1.2.3" in made[-1].allowed_hosts
    result = runner.invoke(cli_app(), ["dashboard", "--host", "0.0.0.0"])
    assert made[-1].allowed_hosts is None and "--allow-host" in result.output
    result = runner.invoke(cli_app(), ["dashboard", "--host", "0.0.0.0", "--allow-host", "box"])
    assert made[-1].allowed_hosts == (*security.LOOPBACK_HOSTS, "box")
