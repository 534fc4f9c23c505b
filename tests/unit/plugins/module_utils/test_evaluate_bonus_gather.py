"""The bonus part of evaluate_probe's inspect phase, run for real on this machine (read only)."""

from __future__ import annotations

import http.server
import threading

import pytest

from ansible_collections.born2beroot.virt.plugins.module_utils import _evaluate_gather as gather

DPKG = {"package_manager": "dpkg"}


class Pages(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the name http.server calls
        if self.path == "/":
            self.send_response(301)
            self.send_header("Location", "/home")
            self.end_headers()
            return
        status, body = (200, b"<title>Site</title>") if self.path == "/home" else (500, b"oops")
        self.send_response(status)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    server = http.server.HTTPServer(("127.0.0.1", 0), Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


def test_http_get_follows_redirects_and_keeps_error_pages(site):
    page = gather.http_get(site + "/")
    assert (page["status"], page["url"], page["body"]) == (200, site + "/home", "<title>Site</title>")
    broken = gather.http_get(site + "/wp-login.php")
    assert (broken["status"], broken["body"]) == (500, "oops")


def test_http_get_reports_a_closed_port():
    page = gather.http_get("http://127.0.0.1:9/")
    assert page["status"] is None and page["error"]


def test_without_the_bonus_packages_only_the_package_list_is_read():
    platform = dict(
        DPKG, bonus={"site": ["b2b-no-such-wordpress"], "db": ["b2b-no-such-db"], "service": ["b2b-no-such-f2b"]}
    )
    assert gather._bonus_inspect(platform, {"bonus_http_port": 80}) == {
        "packages": {"b2b-no-such-db": False, "b2b-no-such-f2b": False, "b2b-no-such-wordpress": False}
    }
