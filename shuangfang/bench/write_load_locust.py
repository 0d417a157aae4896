"""The clients of the write-load benchmark (shuangfang/bench/write_load.py), run by locust in a process of their own.

Each simulated user is one unit's safety officer on a phone: it reports hazards (随手拍) and submits the day's checks of
its unit's equipment, one request at a time, waiting for each answer: in the bounded phase one request every
`pace_seconds`, each client at its own phase; in the saturated phase the next as soon as the answer is in. Every POST
carries a fresh Idempotency-Key; every `retry_every`-th one is sent a second time with the same key and body, as a phone
does when the answer is lost on a weak network, and must be answered from the key store. What the answers say was
written (hazard ids, check-result ids, tasks done) is kept in a tally file, which the benchmark compares with the
database.

Never imported by Django or the test suite: locust patches the standard library with gevent when imported.
"""

import itertools
import json
import os
import random
import time
import uuid
from pathlib import Path

from locust import FastHttpUser, constant, events, task

CONFIG = json.loads(Path(os.environ["WRITE_LOAD_CONFIG"]).read_text(encoding="utf-8"))
TALLY_PATH = Path(os.environ["WRITE_LOAD_TALLY"])

REPORT = "POST /api/v1/hazards/"
EXECUTE = "POST /api/v1/investigation-tasks/{id}/execute/"
RETRY = " (retried with the same key)"

_client_numbers = itertools.count()
tally = {
    "hazards": [],  # ids of hazards the answers created (reports, and failed check items)
    "report_hazards": [],  # of which reported
    "check_results": [],
    "tasks_done": [],
    "reports": 0,  # successful first attempts
    "executes": 0,
    "replays": 0,  # retries answered from the key store
    "clients_out_of_tasks": 0,
    # Every request as [name, started (epoch s), milliseconds, succeeded]: the benchmark takes its percentiles from
    # these rather than from locust's rounded ones, and counts only requests whose answer arrived.
    "requests": [],
    "failures": {},  # "name: error" → how often
}


def own_phase_pacing(seconds: float):
    """One request every `seconds`, each client on the beat of its own phase (set in on_start). locust's
    constant_pacing counts the time a user spent in on_start as the first task's run time and shortens the first wait
    by it, so every client falls back onto the moment it was spawned: twenty phones that had started at spread moments
    then sent together, twenty requests at once every second. A request that takes longer than its beat is followed by
    the next one at once, and the beats after it keep their phase (no burst to catch up)."""

    def wait_time(user) -> float:
        now = time.monotonic()
        user.next_send = max(user.next_send + seconds, now)
        return user.next_send - now

    return wait_time


class UnitSafetyOfficer(FastHttpUser):
    # Closed loop: the next request as soon as the answer is in, or one request every `pace_seconds`.
    wait_time = own_phase_pacing(CONFIG["pace_seconds"]) if CONFIG["pace_seconds"] else constant(0)

    def on_start(self):
        number = next(_client_numbers)
        client = CONFIG["clients"][number % len(CONFIG["clients"])]
        self.number = number
        self.headers = {
            "Authorization": f"Token {client['token']}",
            "Content-Type": "application/json",
            "Accept-Language": "zh-hans",
        }
        self.equipment = client["equipment"]
        self.task_pool = list(client["tasks"])
        self.sent = 0
        self.executed = 0
        self.out_of_tasks = False
        if CONFIG["pace_seconds"]:
            # Phones are not synchronised: each starts at its own moment within the first pace.
            time.sleep(random.Random(number).uniform(0, CONFIG["pace_seconds"]))
        self.next_send = time.monotonic()

    @task
    def write(self):
        self.sent += 1
        if self.sent % 2 == 0 and self.task_pool:
            self.submit_check()
        else:
            if self.sent % 2 == 0 and not self.out_of_tasks:
                self.out_of_tasks = True
                tally["clients_out_of_tasks"] += 1
            self.report_hazard()

    def _post(self, path: str, body: dict, name: str, expected: int):
        """POST with a fresh Idempotency-Key; returns the answer's JSON, or None when it failed."""
        data = json.dumps(body, ensure_ascii=False).encode()
        headers = {**self.headers, "Idempotency-Key": str(uuid.uuid4())}
        with self.client.post(path, data=data, headers=headers, name=name, catch_response=True) as response:
            if response.status_code != expected:
                response.failure(f"{response.status_code}: {(response.text or '')[:300]}")
                return None
            answer = response.json()
        if self.sent % CONFIG["retry_every"] == 0:
            self._retry(path, data, headers, name + RETRY, expected, answer)
        return answer

    def _retry(self, path: str, data: bytes, headers: dict, name: str, expected: int, first: dict) -> None:
        with self.client.post(path, data=data, headers=headers, name=name, catch_response=True) as response:
            if response.status_code != expected or response.headers.get("Idempotent-Replayed") != "true":
                response.failure(f"retry not replayed: {response.status_code} {(response.text or '')[:300]}")
            elif response.json() != first:
                response.failure("retry answered differently from the first attempt")
            else:
                tally["replays"] += 1

    def report_hazard(self):
        equipment = self.equipment[(self.number * 7919 + self.sent) % len(self.equipment)]
        body = {
            "equipment": equipment,
            "description": f"压测随手拍：安全附件铅封缺失（客户端 {self.number}，第 {self.sent} 次）",
            "location": "设备现场",
        }
        answer = self._post("/api/v1/hazards/", body, REPORT, 201)
        if answer is not None:
            tally["reports"] += 1
            tally["hazards"].append(answer["id"])
            tally["report_hazards"].append(answer["id"])

    def submit_check(self):
        planned = self.task_pool.pop()
        self.executed += 1
        results = [dict(result) for result in planned["results"]]
        if results and self.executed % CONFIG["not_ok_every"] == 0:
            # Now and then a check finds something: the failed item becomes a hazard in the same transaction.
            results[0].update(outcome="not_ok", note="压测：防护罩松动")
        body = {"version": planned["version"], "results": results, "note": ""}
        answer = self._post(f"/api/v1/investigation-tasks/{planned['id']}/execute/", body, EXECUTE, 200)
        if answer is not None:
            tally["executes"] += 1
            tally["tasks_done"].append(answer["id"])
            for result in answer["results"]:
                tally["check_results"].append(result["id"])
                if result["hazard"] is not None:
                    tally["hazards"].append(result["hazard"])


@events.request.add_listener
def record_request(name, response_time, exception, start_time=None, **_kwargs):
    tally["requests"].append([name, start_time, response_time, exception is None])
    if exception is not None:
        failure = f"{name}: {str(exception)[:200]}"
        tally["failures"][failure] = tally["failures"].get(failure, 0) + 1


@events.quitting.add_listener
def write_tally(environment, **_kwargs):
    TALLY_PATH.write_text(json.dumps(tally), encoding="utf-8")
