"""The load test's users: reviewers logging CPD, assessors scoring, commissioners searching the
register, the public looking up and verifying numbers, and analysts.

Each simulated user signs in once, as an account no other simulated user has, so no sign-in
limit is approached. Every write a user makes is logged (LOADTEST_WRITES) for the check
afterwards that the database holds all of them."""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import uuid
from pathlib import Path
from typing import Any

import pyotp
from locust import HttpUser, between, events, task
from requests.adapters import HTTPAdapter
from requests.cookies import RequestsCookieJar

POPULATION = json.loads(Path(os.environ["LOADTEST_POPULATION"]).read_text())
WRITES_FILE = Path(os.environ["LOADTEST_WRITES"])
WRITES: list[dict[str, Any]] = []
_claimed = {kind: itertools.count() for kind in POPULATION if isinstance(POPULATION[kind], list)}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VERSION = re.compile(r'name="version_id"[^>]*value="([^"]*)"')
LEVEL = re.compile(r'name="level"[^>]*value="(\d+)"')

# What analysts open: their dashboard and the reports (add report pages here as they come).
ANALYST_PAGES: tuple[tuple[str, str], ...] = (
    ("/dashboard", "analyst: dashboard"),
    ("/reports", "analyst: reports"),
)
SEARCH_WORDS = ("neglect", "adolescents", "infant", "online", "domestic", "")
REGIONS = ("", "E12000001", "E12000002", "E12000003", "E12000007", "E12000008")


class LoopbackCookies(RequestsCookieJar):
    """The portal marks its cookies Secure, as in production behind TLS; the test talks plain
    HTTP on loopback, so keep them as if they were not."""

    def set_cookie(self, cookie: Any, *args: Any, **kwargs: Any) -> Any:
        cookie.secure = False
        return super().set_cookie(cookie, *args, **kwargs)


def _claim(kind: str) -> dict[str, Any]:
    accounts = POPULATION[kind]
    n = next(_claimed[kind])
    if n >= len(accounts):
        raise RuntimeError(f"more simulated {kind} than accounts")
    return dict(accounts[n])


@events.test_stop.add_listener
def _save_writes(**_kwargs: Any) -> None:
    WRITES_FILE.write_text(json.dumps(WRITES))


class FromAddress(HTTPAdapter):
    """Connections from one loopback address of the user's own (127.0.0.0/8 is all loopback on
    Linux). People come from many addresses: without this, every simulated member of the public
    shares 127.0.0.1 and the per-address limits (60 register searches a minute) answer 429."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


_addresses = itertools.count(2)


def _own_address() -> str:
    n = next(_addresses)
    return f"127.0.{n // 250}.{n % 250 + 2}"


class Portal(HttpUser):
    abstract = True
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.cookies = LoopbackCookies()
        self.client.mount("http://", FromAddress(_own_address()))

    def token(self, html: str) -> str:
        found = CSRF.search(html)
        return found.group(1) if found else ""

    def page(self, path: str, name: str) -> str:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} for {path}: {response.error or ''}")
                return ""
            return response.text

    def sign_in(self, account: dict[str, Any]) -> None:
        html = self.page("/sign-in", "sign in: form")
        fields = {"csrf_token": self.token(html), "email": account["email"]}
        fields["password"] = POPULATION["password"]
        with self.client.post(
            "/sign-in", data=fields, name="sign in", allow_redirects=False, catch_response=True
        ) as response:
            where = response.headers.get("Location", "")
            if response.status_code != 302:
                response.failure(f"sign-in answered {response.status_code}")
                return
        if "security-code" not in where:
            return
        html = self.page("/sign-in/security-code", "sign in: security code form")
        code = pyotp.TOTP(account["totp_secret"]).now()
        with self.client.post(
            "/sign-in/security-code",
            data={"csrf_token": self.token(html), "code": code},
            name="sign in: security code",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"security code answered {response.status_code}")


class Reviewer(Portal):
    weight = 3

    def on_start(self) -> None:
        super().on_start()
        self.account = _claim("reviewers")
        self.sign_in(self.account)

    @task(3)
    def progress(self) -> None:
        self.page("/cpd", "cpd: record")

    @task(1)
    def own_entry(self) -> None:
        self.page("/register/my-entry", "register: own entry")

    @task(2)
    def log_activity(self) -> None:
        html = self.page("/cpd/activities/new", "cpd: new activity form")
        if not html:
            return
        title = f"load test reading {uuid.uuid4().hex[:12]}"
        day = self._recent_day()
        data = [
            ("csrf_token", self.token(html)),
            ("version_id", ""),
            ("activity_type", "reading"),
            ("title", title),
            ("starts_on", str(day[0])),
            ("starts_on", str(day[1])),
            ("starts_on", str(day[2])),
            ("save_draft", "Save as draft"),
        ]
        with self.client.post(
            "/cpd/activities/new",
            data=data,
            name="cpd: save activity [write]",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302 and "/cpd/activities/" in response.headers.get(
                "Location", ""
            ):
                WRITES.append({"kind": "cpd", "email": self.account["email"], "title": title})
            else:
                response.failure(f"CPD save answered {response.status_code}")

    @staticmethod
    def _recent_day() -> tuple[int, int, int]:
        from datetime import datetime, timedelta
        from zoneinfo import ZoneInfo

        day = datetime.now(ZoneInfo("Europe/London")).date() - timedelta(days=1)
        return day.day, day.month, day.year


class Assessor(Portal):
    weight = 2

    def on_start(self) -> None:
        super().on_start()
        self.account = _claim("assessors")
        self.sign_in(self.account)
        self.next_competency = dict.fromkeys(self.account["allocations"], 0)

    @task(2)
    def queue(self) -> None:
        self.page("/assessments", "assessments: queue")

    @task(3)
    def score(self) -> None:
        allocation = random.choice(self.account["allocations"])
        self.page(f"/assessments/{allocation}", "assessments: allocation")
        competencies = POPULATION["competencies"]
        competency = competencies[self.next_competency[allocation] % len(competencies)]
        self.next_competency[allocation] += 1
        path = f"/assessments/{allocation}/scores/{competency}"
        html = self.page(path, "assessments: score form")
        if not html:
            return
        version = VERSION.search(html)
        levels = LEVEL.findall(html) or ["3"]
        rationale = f"Load test rationale {uuid.uuid4().hex[:12]}: the samples show it."
        with self.client.post(
            path,
            data={
                "csrf_token": self.token(html),
                "version_id": version.group(1) if version else "",
                "level": random.choice(levels),
                "rationale": rationale,
            },
            name="assessments: save score [write]",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                WRITES.append(
                    {
                        "kind": "score",
                        "allocation": allocation,
                        "competency": competency,
                        "rationale": rationale,
                    }
                )
            else:
                response.failure(f"score save answered {response.status_code}")


class Commissioner(Portal):
    weight = 2

    def on_start(self) -> None:
        super().on_start()
        self.account = _claim("commissioners")
        self.sign_in(self.account)

    @task
    def search(self) -> None:
        params: list[tuple[str, str]] = [("q", random.choice(SEARCH_WORDS))]
        if random.random() < 0.6:
            params.append(("region", random.choice(REGIONS)))
        if random.random() < 0.5:
            params.append(("specialisms", random.choice(("neglect", "adolescents"))))
        if random.random() < 0.3:
            params.append(("capacity", "y"))
        if random.random() < 0.3:
            params.append(("sort", "availability"))
        query = "&".join(f"{k}={v}" for k, v in params)
        self.page(f"/register/search?{query}", "register: partnership search")

    @task
    def shortlist(self) -> None:
        self.page("/register/shortlist", "register: shortlist")


class Public(Portal):
    weight = 3

    @task(2)
    def search(self) -> None:
        word = random.choice(SEARCH_WORDS)
        region = random.choice(REGIONS)
        self.page(f"/register?q={word}&region={region}", "register: public search")

    @task(3)
    def look_up_number(self) -> None:
        number = random.choice(POPULATION["numbers"])
        self.page(f"/register/{number}", "register: entry by number")

    @task(1)
    def verify_page(self) -> None:
        self.page("/register/verify", "register: verify credential")


class Analyst(Portal):
    weight = 1

    def on_start(self) -> None:
        super().on_start()
        self.account = _claim("analysts")
        self.sign_in(self.account)

    @task
    def reports(self) -> None:
        path, name = random.choice(ANALYST_PAGES)
        self.page(path, name)
